/** Messages between the data-parallel coordinator and its training workers. */

/** A tensor as plain data: values plus shape (transferable across threads). */
export interface WireTensor {
  data: Float32Array;
  shape: number[];
}

/** What the model's output is: softmax probabilities or raw logits (decides the loss). */
export type OutputKind = 'probabilities' | 'logits';

/** Everything a worker needs to build an identical replica. */
export interface InitMessage {
  kind: 'init';
  topology: string;
  weights: WireTensor[];
  optimizer: { className: string; config: Record<string, unknown> };
  outputs: OutputKind;
  backend: string;
}

/** Forward + backward on a shard; the worker replies with its gradients, not yet applied. */
export interface GradMessage {
  kind: 'grad';
  xs: WireTensor;
  ys: WireTensor;
}

/** Apply these (already averaged) gradients with the worker's optimizer. */
export interface ApplyMessage {
  kind: 'apply';
  grads: Float32Array;
}

export interface PredictMessage {
  kind: 'predict';
  xs: WireTensor;
}

export interface WeightsMessage {
  kind: 'weights';
}

export type Request = InitMessage | GradMessage | ApplyMessage | PredictMessage | WeightsMessage;

/** Worker replies: `ok` carries the request's result, `error` a message to rethrow. */
export type Reply =
  | { kind: 'ok'; loss?: number; grads?: Float32Array; out?: WireTensor; weights?: WireTensor[]; backend?: string }
  | { kind: 'error'; message: string };

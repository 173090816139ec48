/** What the training loop reports after each batch (to `onBatchEnd` and the progress display). */
export interface BatchLogs {
  /** 1-based epoch number. */
  epoch: number;
  /** Batches done in this epoch, 1..batches. */
  batch: number;
  /** Batches this epoch will run. */
  batches: number;
  /** 0-based optimizer step over the whole run (continues across a resume). */
  step: number;
  /** This batch's mean loss and accuracy (before the update it triggered); accuracy null for a non-classifier. */
  loss: number;
  acc: number | null;
  /** Image-weighted means over the epoch so far. */
  meanLoss: number;
  meanAcc: number | null;
  /** Learning rate used for this step. */
  lr: number;
  /** Training throughput of this epoch so far, and estimated seconds left in it. */
  imagesPerSec: number;
  etaSeconds: number;
}

/** One row of the training history, reported to `onEpochEnd`. */
export interface EpochLogs {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean training loss and accuracy over the epoch, measured on the (augmented) batches as trained. */
  loss: number;
  acc: number | null;
  /** Validation loss and accuracy in inference mode; null when there is no validation data (or, for accuracy, no classifier). */
  valLoss: number | null;
  valAcc: number | null;
  /** Validation character error rate of a line model (see `TrainOptions.validationMetrics`). */
  valCer?: number | null;
  /** Learning rate of the epoch's last step. */
  lr: number;
  /** Wall-clock seconds of the epoch including validation. */
  seconds: number;
  /** Training images per second (validation excluded). */
  imagesPerSec: number;
  /**
   * CTC tasks: training lines of the epoch the loss skipped (loss 0, no gradient): `infeasible`
   * ones whose label needs more frames than the line has, `nonFinite` ones with NaN or infinite
   * logits (a sign of divergence; a batch of nothing else stops the run).
   */
  ctcSkipped?: { infeasible: number; nonFinite: number };
}

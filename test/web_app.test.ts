/**
 * The web app in real Chromium (Debian's, driven by playwright-core): strokes drawn with the mouse
 * give the same model input and top-1 as `hwr predict` on the same pixels; uploads, the backend
 * ladder, a phone-sized viewport, offline use. In CI (CI=true) a missing chromium fails the suite.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { CHROMIUM_PATH, chromiumAvailable, launchChromium } from '../bench/chromium';
import { loadMnistPart } from '../src/data/mnist';
import { geometryForDataset } from '../src/image/preprocess';
import { preprocessFile } from '../src/image/preprocess_file';
import { loadModel } from '../src/io/saved_model';
import { PredictionOk, predictFiles } from '../src/read/characters';
import { buildWebApp } from '../src/web/build';
import { RunningServer, startServer } from '../src/web/server';

const ROOT = path.join(__dirname, '..');
const SAVED_MODELS = path.join(ROOT, 'saved_models');
const OUT = path.join(ROOT, 'outputs', 'web');
const SAMPLES = path.join(ROOT, 'data', 'samples');
const PAD = 280; // the pad's canvas resolution (web/index.html)

const run = chromiumAvailable() || process.env.CI ? describe : describe.skip;
if (!chromiumAvailable()) {
  if (process.env.CI) console.error(`CI: no chromium at ${CHROMIUM_PATH}; the browser tests fail (apt-get install chromium)`);
  else console.warn(`skipping the browser tests: no chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);
}

/** What `window.hwr.last()` returns (web/src/predict.ts). */
interface PagePrediction {
  key: string;
  source: string;
  modelId: string;
  input: number[];
  top3: Array<{ label: string; p: number }>;
  probs: number[];
  note?: string;
}

/** An MNIST image as strokes: each horizontal run of ink pixels is one mouse stroke, 10 pad pixels per MNIST pixel. */
function pixelRunStrokes(pixels: Uint8Array, threshold = 128): Array<[number, number, number, number]> {
  const strokes: Array<[number, number, number, number]> = [];
  const s = PAD / 28;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      if (pixels[y * 28 + x] < threshold) continue;
      const start = x;
      while (x + 1 < 28 && pixels[y * 28 + x + 1] >= threshold) x++;
      strokes.push([(start + 0.5) * s, (y + 0.5) * s, (x + 0.5) * s, (y + 0.5) * s]);
    }
  }
  return strokes;
}

async function padBox(page: Page): Promise<{ x: number; y: number; scale: number }> {
  const box = await page.locator('#pad').boundingBox();
  if (!box) throw new Error('#pad is not visible');
  return { x: box.x, y: box.y, scale: box.width / PAD };
}

/** Draws strokes (pad coordinates) with the mouse, then waits until the page has predicted on the result. */
async function drawStrokes(page: Page, strokes: Array<[number, number, number, number]>): Promise<PagePrediction> {
  const { x, y, scale } = await padBox(page);
  for (const [x0, y0, x1, y1] of strokes) {
    await page.mouse.move(x + x0 * scale, y + y0 * scale);
    await page.mouse.down();
    if (x1 !== x0 || y1 !== y0) await page.mouse.move(x + x1 * scale, y + y1 * scale, { steps: 2 });
    await page.mouse.up();
  }
  return settled(page);
}

/** Uploads a file through the page's file input and waits for the prediction made from it. */
async function upload(page: Page, file: string): Promise<PagePrediction> {
  const before = await page.evaluate(() => (window as any).hwr.last()?.key ?? null);
  await page.setInputFiles('#upload', file);
  await page.waitForFunction((k) => {
    const hwr = (window as any).hwr;
    return hwr.last()?.key !== k && hwr.last()?.source === 'photo' && hwr.settled();
  }, before);
  return page.evaluate(() => (window as any).hwr.last());
}

async function useModel(page: Page, id: string): Promise<void> {
  await page.evaluate((m) => (window as any).hwr.selectModel(m), id);
}

async function settled(page: Page): Promise<PagePrediction> {
  await page.waitForFunction(() => (window as any).hwr.settled(), undefined, { timeout: 10000 });
  return page.evaluate(() => (window as any).hwr.last());
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

run('the web app in Chromium', () => {
  let tmp: string;
  let bundled: string[];
  let server: RunningServer;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'web-app-'));
    fs.mkdirSync(OUT, { recursive: true });
    // Build the current sources (not whatever dist/web holds), serve them with the committed models.
    const built = await buildWebApp({ outDir: path.join(tmp, 'app') });
    bundled = built.bundled;
    server = await startServer({ port: 0, appDir: built.outDir, modelsDir: SAVED_MODELS });
    browser = await launchChromium({ viewport: { width: 390, height: 844 }, mobile: true });
    page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.url);
    await page.evaluate(() => (window as any).hwr.ready);
    await tf.setBackend('cpu');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the bundle holds the shared pure preprocessing and no Node-only code (sharp, fs, the file readers)', () => {
    const ours = bundled.filter((f) => f.startsWith('src/'));
    expect(ours).toEqual(expect.arrayContaining(['src/image/rgba.ts', 'src/image/preprocess.ts', 'src/read/classify.ts']));
    // The file readers (src/read/characters.ts, lines.ts) decode with sharp: Node only.
    for (const f of ours) expect(['src/image/decode.ts', 'src/image/preprocess_file.ts', 'src/image/render.ts', 'src/read/characters.ts', 'src/read/lines.ts']).not.toContain(f);
    expect(ours.filter((f) => f.startsWith('src/io/') || f.startsWith('src/web/'))).toEqual([]);
    expect(bundled.filter((f) => /node_modules\/(sharp|@resvg)\//.test(f))).toEqual([]);
    expect(fs.existsSync(path.join(tmp, 'app', 'wasm', 'tfjs-backend-wasm-simd.wasm'))).toBe(true);
  });

  test('the page shows the backend it chose, and why faster ones were skipped', async () => {
    const backend = await page.evaluate(() => (window as any).hwr.backend());
    const shown = await page.textContent('#backend');
    expect(['webgl', 'wasm', 'cpu']).toContain(backend.name);
    expect(shown).toContain(`Backend: ${backend.name}`);
    for (const t of backend.tried.filter((r: { ok: boolean }) => !r.ok)) expect(shown).toContain(`${t.name} skipped (${t.error})`);
    expect(backend.tried[0].name).toBe('webgl'); // the ladder starts at the GPU
    expect(await page.textContent('#status')).toMatch(/Digits \(MNIST\): loaded in \d+ ms, first prediction \d+ ms/);
  });

  test('MNIST test digits drawn with the mouse: same model input and top-1 as hwr predict on the exported PNG', async () => {
    const mnist = loadMnistPart('test');
    const picks: number[] = [];
    for (let d = 0; d < 10; d++) picks.push(Array.from(mnist.labels).indexOf(d)); // the first test image of each digit
    const pagePreds: PagePrediction[] = [];
    const files: string[] = [];
    for (const i of picks) {
      await page.click('#clear');
      const pixels = mnist.images.subarray(i * 784, (i + 1) * 784);
      pagePreds.push(await drawStrokes(page, pixelRunStrokes(pixels)));
      const png = await page.evaluate(() => (window as any).hwr.padPng() as string);
      const file = path.join(OUT, `drawn-mnist-test-${i}-digit-${mnist.labels[i]}.png`);
      fs.writeFileSync(file, Buffer.from(png.replace(/^data:image\/png;base64,/, ''), 'base64'));
      files.push(file);
    }
    const { model, metadata } = await loadModel(path.join(SAVED_MODELS, 'mnist'));
    const nodePreds = (await predictFiles(model, metadata.classes, files, { preprocess: geometryForDataset(metadata.dataset) })) as PredictionOk[];
    model.dispose();
    let correct = 0;
    for (let k = 0; k < picks.length; k++) {
      const [p, n] = [pagePreds[k], nodePreds[k]];
      expect(n.ok).toBe(true);
      expect(p.source).toBe('drawing');
      expect(maxAbsDiff(p.input, n.input)).toBeLessThanOrEqual(1e-6); // the same preprocessing on the same pixels
      expect(p.top3[0].label).toBe(n.label);
      expect(maxAbsDiff(p.probs, metadata.classes.map((c) => n.top3.find((t) => t.label === c)?.p ?? p.probs[metadata.classes.indexOf(c)]))).toBeLessThan(1e-3);
      if (n.label === String(mnist.labels[picks[k]])) correct++;
    }
    // The traced strokes are real digits to the model (a broken pad or tracing reads as noise).
    expect(correct).toBeGreaterThanOrEqual(8);
  });

  test('an uploaded PNG gives the model input hwr predict gives (digits and characters)', async () => {
    const pngs = [['mnist', 'digit-3-scan.png'], ['mnist', 'digit-2-transparent.png'], ['emnist', 'letter-A-canvas.png'], ['emnist', 'letter-T-transparent.png']];
    for (const [modelId, file] of pngs) {
      await useModel(page, modelId);
      const p = await upload(page, path.join(SAMPLES, file));
      const dataset = modelId === 'mnist' ? 'mnist' : 'emnist-dev47';
      const n = await preprocessFile(path.join(SAMPLES, file), geometryForDataset(dataset));
      const diff = maxAbsDiff(p.input, n.pixels);
      expect({ file, modelId: p.modelId, sameInput: diff <= 1e-6 }).toEqual({ file, modelId, sameInput: true });
    }
  });

  test('a phone photo stored turned with an EXIF orientation is read upright, as in Node', async () => {
    // JPEG decoders may differ in the last bit, so not to 1e-6; a photo left turned would differ everywhere.
    const file = path.join(SAMPLES, 'digit-2-photo-rotated.jpg');
    await useModel(page, 'mnist');
    const p = await upload(page, file);
    const n = await preprocessFile(file);
    const mean = p.input.reduce((s, v, i) => s + Math.abs(v - n.pixels[i]), 0) / 784;
    expect(mean).toBeLessThan(0.01);
    expect(p.top3[0].label).toBe('2');
  });

  test('a file that is not an image: a clear message on the page', async () => {
    await page.setInputFiles('#upload', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture\n') });
    const message = page.locator('#message');
    await message.waitFor({ state: 'visible' });
    expect(await message.textContent()).toBe('“notes.txt” is not an image this browser can read (text/plain). Choose a photo or scan: PNG, JPEG or WebP.');
    await page.click('#clear');
    expect(await message.isVisible()).toBe(false);
  });

  test('a finger draws too (touch events on a phone-sized page); undo and clear', async () => {
    await useModel(page, 'mnist');
    await page.click('#clear');
    const { x, y, scale } = await padBox(page);
    const cdp = await browser.context.newCDPSession(page);
    const touch = (type: string, px?: number, py?: number) => cdp.send('Input.dispatchTouchEvent', {
      type, touchPoints: px === undefined ? [] : [{ x: x + px * scale, y: y + (py as number) * scale }],
    } as never);
    // A '1': one vertical stroke.
    await touch('touchStart', 140, 40);
    for (let t = 1; t <= 10; t++) await touch('touchMove', 140, 40 + 20 * t);
    await touch('touchEnd');
    const one = await settled(page);
    expect(one.top3[0].label).toBe('1');
    await page.click('#undo');
    expect((await settled(page)).note).toBe('empty');
    expect(await page.textContent('#hint')).toBe('Draw a digit in the box');
    // The page fits a phone: nothing wider than the viewport.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  test('screenshot of the page at phone size', async () => {
    await useModel(page, 'mnist');
    await page.click('#clear');
    // A hand-drawn 4 (three strokes), as someone would draw it.
    await drawStrokes(page, [[170, 40, 70, 170], [70, 170, 220, 170], [170, 90, 170, 250]]);
    const p: PagePrediction = await page.evaluate(() => (window as any).hwr.last());
    expect(p.top3[0].label).toBe('4');
    await page.screenshot({ path: path.join(OUT, 'app-phone.png'), fullPage: true });
    expect(fs.statSync(path.join(OUT, 'app-phone.png')).size).toBeGreaterThan(10000);
  });

  describe('model switching, keyboard focus, the live region and huge photos (a page without the service worker)', () => {
    let server2: RunningServer;
    let page2: Page;

    /** Every canvas read and bitmap decoded by the page, [width, height]: shows the size a photo was decoded at. */
    function recordDecodes(): void {
      const w = window as any;
      w.__decoded = [];
      const read = CanvasRenderingContext2D.prototype.getImageData;
      CanvasRenderingContext2D.prototype.getImageData = function (this: CanvasRenderingContext2D, ...a: any[]) {
        w.__decoded.push([a[2], a[3]]);
        return (read as any).apply(this, a);
      };
      const decode = w.createImageBitmap;
      w.createImageBitmap = async (...a: any[]) => {
        const bitmap = await decode.apply(w, a);
        w.__decoded.push([bitmap.width, bitmap.height]);
        return bitmap;
      };
    }

    beforeAll(async () => {
      // Another origin than `page`'s: its service worker (network first, then cache) does not control this one.
      server2 = await startServer({ port: 0, appDir: path.join(tmp, 'app'), modelsDir: SAVED_MODELS });
      page2 = await browser.context.newPage();
      page2.on('pageerror', (e) => pageErrors.push(e.message));
      await page2.addInitScript(recordDecodes);
      await page2.goto(`${server2.url}?nosw`);
      await page2.evaluate(() => (window as any).hwr.ready);
    });

    afterAll(async () => {
      await page2?.close();
      await server2?.close();
    });

    const hwr = <T>(fn: string): Promise<T> => page2.evaluate((f) => (window as any).hwr[f](), fn);
    const loadsDone = () => page2.waitForFunction(() => (window as any).hwr.pendingLoads() === 0, undefined, { timeout: 20000 });

    test('two quick picks: the last one picked is loaded and predicting, even when the first finishes later (and is disposed)', async () => {
      expect((await hwr<{ id: string }>('model')).id).toBe('mnist');
      const tensorsWithMnist = await hwr<number>('tensors');
      // The first pick's model arrives 1.5 s late, after the second pick has loaded.
      let late = false;
      await page2.route('**/models/emnist/model.json', async (route) => {
        await new Promise((r) => setTimeout(r, 1500));
        late = true;
        await route.continue();
      });
      await page2.selectOption('#model', 'emnist');
      await page2.selectOption('#model', 'mnist');
      await page2.waitForFunction(() => /^Digits \(MNIST\): loaded/.test(document.getElementById('status')?.textContent ?? ''));
      await loadsDone();
      await page2.unroute('**/models/emnist/model.json');
      expect(late).toBe(true);
      expect([(await hwr<{ id: string }>('model')).id, await page2.inputValue('#model')]).toEqual(['mnist', 'mnist']);
      expect(await page2.textContent('#status')).toMatch(/^Digits \(MNIST\): loaded/);
      expect(await hwr<number>('tensors')).toBe(tensorsWithMnist); // the late emnist and the replaced mnist are gone
      await page2.click('#clear');
      const { x, y, scale } = await padBox(page2);
      await page2.mouse.move(x + 140 * scale, y + 40 * scale);
      await page2.mouse.down();
      await page2.mouse.move(x + 140 * scale, y + 240 * scale, { steps: 4 });
      await page2.mouse.up();
      await page2.waitForFunction(() => (window as any).hwr.settled());
      const p = await hwr<PagePrediction>('last');
      expect([p.modelId, p.top3.length, p.probs.length]).toEqual(['mnist', 3, 10]);
    });

    test('a model that fails to load: the picker goes back to the model still predicting, and the page says why', async () => {
      await page2.route('**/models/emnist/model.json', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{"format": "layers-model", "modelTopology": ' }));
      await page2.selectOption('#model', 'emnist');
      await loadsDone();
      await page2.unroute('**/models/emnist/model.json');
      expect([await page2.inputValue('#model'), (await hwr<{ id: string }>('model')).id]).toEqual(['mnist', 'mnist']);
      const message = page2.locator('#message');
      expect(await message.isVisible()).toBe(true);
      expect(await message.textContent()).toContain("Could not switch to 'emnist'");
      expect(await page2.textContent('#title')).toBe('Draw a digit');
      await page2.click('#clear');
      expect((await hwr<PagePrediction>('predictNow')).modelId).toBe('mnist');
    });

    test('the upload button shows keyboard focus (its hidden input focused with Tab outlines the label)', async () => {
      await page2.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      for (let i = 0; i < 12 && (await page2.evaluate(() => document.activeElement?.id)) !== 'upload'; i++) await page2.keyboard.press('Tab');
      expect(await page2.evaluate(() => document.activeElement?.id)).toBe('upload');
      const outline = await page2.evaluate(() => {
        const s = getComputedStyle(document.querySelector('label[for=upload]') as Element);
        return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
      });
      expect(outline.style).not.toBe('none');
      expect(outline.width).toBeGreaterThanOrEqual(2);
      // Not outlined once focus moves on.
      await page2.keyboard.press('Tab');
      expect(await page2.evaluate(() => getComputedStyle(document.querySelector('label[for=upload]') as Element).outlineStyle)).toBe('none');
    });

    test('the live region is not touched while a stroke is drawn; the final answer is announced once it ends', async () => {
      await page2.click('#clear');
      await page2.waitForFunction(() => (window as any).hwr.settled());
      await page2.evaluate(() => {
        const w = window as any;
        w.__liveChanges = 0;
        const observer = new MutationObserver((records) => { w.__liveChanges += records.length; });
        for (const el of document.querySelectorAll('[aria-live], [role=alert], [role=status], [role=log]')) {
          observer.observe(el, { childList: true, subtree: true, characterData: true });
        }
      });
      const keys = new Set<string>();
      const { x, y, scale } = await padBox(page2);
      await page2.mouse.move(x + 140 * scale, y + 40 * scale);
      await page2.mouse.down();
      for (let k = 1; k <= 8; k++) {
        await page2.mouse.move(x + 140 * scale, y + (40 + 25 * k) * scale);
        await page2.waitForTimeout(180); // longer than the 120 ms between live predictions
        keys.add((await hwr<PagePrediction | null>('last'))?.key ?? '');
      }
      const whileDrawing = await page2.evaluate(() => (window as any).__liveChanges);
      await page2.mouse.up();
      await page2.waitForFunction(() => (window as any).hwr.settled());
      expect(keys.size).toBeGreaterThanOrEqual(3); // the panel did follow the pen
      expect(whileDrawing).toBe(0);
      expect(await page2.evaluate(() => (window as any).__liveChanges)).toBeGreaterThanOrEqual(1);
      const top = (await hwr<PagePrediction>('last')).top3[0];
      expect(await page2.textContent('[aria-live]')).toBe(`Reads ${top.label}, ${Math.round(100 * top.p)} percent`);
    });

    test('a huge phone photo (6000x4000, EXIF-turned) is decoded at 2048 px on its longest side, upright, and read as hwr predict reads it', async () => {
      // Stored landscape with a horizontal bar; EXIF orientation 6 turns it upright: a portrait '1'.
      const file = path.join(tmp, 'huge-photo.jpg');
      const bar = await sharp({ create: { width: 2000, height: 280, channels: 3, background: '#1a1a1a' } }).png().toBuffer();
      await sharp({ create: { width: 6000, height: 4000, channels: 3, background: '#f4f1ea' } })
        .composite([{ input: bar, left: 2000, top: 1860 }]).jpeg({ quality: 85 }).withMetadata({ orientation: 6 }).toFile(file);
      await page2.evaluate(() => { (window as any).__decoded = []; });
      await page2.setInputFiles('#upload', file);
      await page2.waitForFunction(() => (window as any).hwr.last()?.source === 'photo' && (window as any).hwr.settled(), undefined, { timeout: 20000 });
      const decoded: Array<[number, number]> = await page2.evaluate(() => (window as any).__decoded);
      expect(Math.max(...decoded.flat())).toBeLessThanOrEqual(2048);
      expect(decoded).toContainEqual([1365, 2048]); // the photo's pixels: upright, aspect kept
      const p = await hwr<PagePrediction>('last');
      const n = await preprocessFile(file);
      const mean = p.input.reduce((s, v, i) => s + Math.abs(v - n.pixels[i]), 0) / 784;
      expect(mean).toBeLessThan(0.02); // downscaled before the recipe, not after: nearly the same 28x28
      expect(p.top3[0].label).toBe('1');
    });
  });

  test('works offline after the first load (service worker), the server stopped', async () => {
    expect(await page.evaluate(() => (window as any).hwr.offline)).toBe(true);
    await server.close();
    await page.reload();
    await page.evaluate(() => (window as any).hwr.ready);
    const p = await drawStrokes(page, [[140, 40, 140, 240]]);
    expect(p.top3[0].label).toBe('1');
    await page.evaluate(() => (window as any).hwr.selectModel('emnist')); // every model of the index was cached
    expect(pageErrors).toEqual([]);
  });
});

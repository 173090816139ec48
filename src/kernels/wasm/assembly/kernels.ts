/**
 * The project's own wasm SIMD training kernels (AssemblyScript; built by scripts/build-wasm.js).
 *
 * The module imports the tfjs-wasm backend's memory and works on its tensors in place: every
 * pointer is a byte offset into that heap, and the module has no data, no globals and no stack,
 * so it never writes anywhere it was not given. Shapes are NHWC; conv kernels take the *valid*
 * geometry (the caller pads the input into a scratch tensor when the convolution is padded).
 *
 * GEMM tiles keep 4 x 8 float32 accumulators in registers (8 v128) and broadcast one operand
 * (`v128.load32_splat`), the register budget of x64's 16 xmm registers.
 */

/**
 * acc + a * b, fused into one instruction when the module is built with relaxed SIMD (V8 emits an
 * FMA where the CPU has one: half the instructions of the GEMM tiles' inner loops), else mul + add.
 */
// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropFilter: dw[k, o] = sum over (n, oh, ow) of x[n, oh*sh + fh, ow*sw + fw, c] * dy[n, oh, ow, o]
// with k = (fh*FW + fw)*C + c. dw is [K, OC] = [FH, FW, C, OC]. No im2col matrix: each tile reads
// the four x values of its rows straight from the image, at four fixed offsets from the window.
// ---------------------------------------------------------------------------------------------

/** Byte offset of filter row k inside the receptive window whose top-left pixel is at offset 0. */
@inline
function windowOffset(k: i32, rowLen: i32, W: i32, C: i32): usize {
  const fh = k / rowLen;
  const r = k - fh * rowLen; // fw*C + c: contiguous in NHWC
  return (<usize>(fh * W * C + r)) << 2;
}

/** dw rows r0..r0+rows-1 (rows <= 4), columns o..o+7 += sum over one image's output pixels. */
function filterTile4x8(
  xImg: usize, dyImg: usize, dwAt: usize, dwRow: usize,
  o0: usize, o1: usize, o2: usize, o3: usize, rows: i32,
  OH: i32, OW: i32, xPix: usize, xRow: usize, dyPix: usize,
): void {
  let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
  let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
  let xr = xImg;
  let d = dyImg;
  for (let oh = 0; oh < OH; oh++) {
    let p = xr;
    for (let ow = 0; ow < OW; ow++) {
      const d0 = v128.load(d);
      const d1 = v128.load(d, 16);
      let s = v128.load32_splat(p + o0);
      a00 = madd(s, d0, a00);
      a01 = madd(s, d1, a01);
      s = v128.load32_splat(p + o1);
      a10 = madd(s, d0, a10);
      a11 = madd(s, d1, a11);
      s = v128.load32_splat(p + o2);
      a20 = madd(s, d0, a20);
      a21 = madd(s, d1, a21);
      s = v128.load32_splat(p + o3);
      a30 = madd(s, d0, a30);
      a31 = madd(s, d1, a31);
      p += xPix;
      d += dyPix;
    }
    xr += xRow;
  }
  v128.store(dwAt, f32x4.add(v128.load(dwAt), a00));
  v128.store(dwAt, f32x4.add(v128.load(dwAt, 16), a01), 16);
  if (rows > 1) {
    const q = dwAt + dwRow;
    v128.store(q, f32x4.add(v128.load(q), a10));
    v128.store(q, f32x4.add(v128.load(q, 16), a11), 16);
  }
  if (rows > 2) {
    const q = dwAt + 2 * dwRow;
    v128.store(q, f32x4.add(v128.load(q), a20));
    v128.store(q, f32x4.add(v128.load(q, 16), a21), 16);
  }
  if (rows > 3) {
    const q = dwAt + 3 * dwRow;
    v128.store(q, f32x4.add(v128.load(q), a30));
    v128.store(q, f32x4.add(v128.load(q, 16), a31), 16);
  }
}

/**
 * filterTile4x8 for four rows that are consecutive in the window (the usual case: channels of one
 * tap): one x pointer, the rows' offsets in the loads' immediates.
 */
function filterTile4x8Contiguous(
  xImg: usize, dyImg: usize, dwAt: usize, dwRow: usize,
  OH: i32, OW: i32, xPix: usize, xRow: usize, dyPix: usize,
): void {
  let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
  let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
  let xr = xImg;
  let d = dyImg;
  for (let oh = 0; oh < OH; oh++) {
    let p = xr;
    for (let ow = 0; ow < OW; ow++) {
      const d0 = v128.load(d);
      const d1 = v128.load(d, 16);
      let s = v128.load32_splat(p);
      a00 = madd(s, d0, a00);
      a01 = madd(s, d1, a01);
      s = v128.load32_splat(p, 4);
      a10 = madd(s, d0, a10);
      a11 = madd(s, d1, a11);
      s = v128.load32_splat(p, 8);
      a20 = madd(s, d0, a20);
      a21 = madd(s, d1, a21);
      s = v128.load32_splat(p, 12);
      a30 = madd(s, d0, a30);
      a31 = madd(s, d1, a31);
      p += xPix;
      d += dyPix;
    }
    xr += xRow;
  }
  v128.store(dwAt, f32x4.add(v128.load(dwAt), a00));
  v128.store(dwAt, f32x4.add(v128.load(dwAt, 16), a01), 16);
  let q = dwAt + dwRow;
  v128.store(q, f32x4.add(v128.load(q), a10));
  v128.store(q, f32x4.add(v128.load(q, 16), a11), 16);
  q += dwRow;
  v128.store(q, f32x4.add(v128.load(q), a20));
  v128.store(q, f32x4.add(v128.load(q, 16), a21), 16);
  q += dwRow;
  v128.store(q, f32x4.add(v128.load(q), a30));
  v128.store(q, f32x4.add(v128.load(q, 16), a31), 16);
}

/** The same for 4 columns (the tail of OC when OC % 8 == 4). */
function filterTile4x4(
  xImg: usize, dyImg: usize, dwAt: usize, dwRow: usize,
  o0: usize, o1: usize, o2: usize, o3: usize, rows: i32,
  OH: i32, OW: i32, xPix: usize, xRow: usize, dyPix: usize,
): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let xr = xImg;
  let d = dyImg;
  for (let oh = 0; oh < OH; oh++) {
    let p = xr;
    for (let ow = 0; ow < OW; ow++) {
      const d0 = v128.load(d);
      a0 = madd(v128.load32_splat(p + o0), d0, a0);
      a1 = madd(v128.load32_splat(p + o1), d0, a1);
      a2 = madd(v128.load32_splat(p + o2), d0, a2);
      a3 = madd(v128.load32_splat(p + o3), d0, a3);
      p += xPix;
      d += dyPix;
    }
    xr += xRow;
  }
  v128.store(dwAt, f32x4.add(v128.load(dwAt), a0));
  if (rows > 1) v128.store(dwAt + dwRow, f32x4.add(v128.load(dwAt + dwRow), a1));
  if (rows > 2) v128.store(dwAt + 2 * dwRow, f32x4.add(v128.load(dwAt + 2 * dwRow), a2));
  if (rows > 3) v128.store(dwAt + 3 * dwRow, f32x4.add(v128.load(dwAt + 3 * dwRow), a3));
}

/** One dw element per call: the columns OC % 4 leaves over (rare: odd channel counts). */
function filterScalar(
  xImg: usize, dyImg: usize, dwAt: usize, off: usize,
  OH: i32, OW: i32, xPix: usize, xRow: usize, dyPix: usize,
): void {
  let acc: f32 = 0;
  let xr = xImg;
  let d = dyImg;
  for (let oh = 0; oh < OH; oh++) {
    let p = xr;
    for (let ow = 0; ow < OW; ow++) {
      acc += load<f32>(p + off) * load<f32>(d);
      p += xPix;
      d += dyPix;
    }
    xr += xRow;
  }
  store<f32>(dwAt, load<f32>(dwAt) + acc);
}

/**
 * Conv2DBackpropFilter, valid geometry: x [N, H, W, C], dy [N, OH, OW, OC] -> dw [FH, FW, C, OC].
 * Image by image, so one image of x and dy stays in cache while all of dw's tiles sweep it.
 */
export function convFilterGrad(
  x: usize, dy: usize, dw: usize,
  N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, OC: i32, FH: i32, FW: i32, sh: i32, sw: i32,
): void {
  const rowLen = FW * C;
  const K = FH * rowLen;
  memory.fill(dw, 0, (<usize>(K * OC)) << 2);
  const xImgBytes = (<usize>(H * W * C)) << 2;
  const dyImgBytes = (<usize>(OH * OW * OC)) << 2;
  const xPix = (<usize>(sw * C)) << 2;
  const xRow = (<usize>(sh * W * C)) << 2;
  const dyPix = (<usize>OC) << 2;
  const dwRow = (<usize>OC) << 2;
  const oc8 = OC & ~7;
  const oc4 = OC & ~3;
  for (let n = 0; n < N; n++) {
    const xImg = x + <usize>n * xImgBytes;
    const dyImg = dy + <usize>n * dyImgBytes;
    for (let k = 0; k < K; k += 4) {
      const rows = min(4, K - k);
      const o0 = windowOffset(k, rowLen, W, C);
      const o1 = windowOffset(min(k + 1, K - 1), rowLen, W, C);
      const o2 = windowOffset(min(k + 2, K - 1), rowLen, W, C);
      const o3 = windowOffset(min(k + 3, K - 1), rowLen, W, C);
      const dwK = dw + <usize>k * dwRow;
      // Four rows inside one window row (fw*C + c contiguous in NHWC): one pointer.
      const contiguous = rows == 4 && o3 == o0 + 12;
      for (let o = 0; o < oc8; o += 8) {
        if (contiguous) filterTile4x8Contiguous(xImg + o0, dyImg + (<usize>o << 2), dwK + (<usize>o << 2), dwRow, OH, OW, xPix, xRow, dyPix);
        else filterTile4x8(xImg, dyImg + (<usize>o << 2), dwK + (<usize>o << 2), dwRow, o0, o1, o2, o3, rows, OH, OW, xPix, xRow, dyPix);
      }
      if (oc4 > oc8) {
        filterTile4x4(xImg, dyImg + (<usize>oc8 << 2), dwK + (<usize>oc8 << 2), dwRow, o0, o1, o2, o3, rows, OH, OW, xPix, xRow, dyPix);
      }
      for (let o = oc4; o < OC; o++) {
        for (let r = 0; r < rows; r++) {
          filterScalar(xImg, dyImg + (<usize>o << 2), dwK + <usize>r * dwRow + (<usize>o << 2),
            windowOffset(k + r, rowLen, W, C), OH, OW, xPix, xRow, dyPix);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropInput: dx[n, oh*sh + fh, ow*sw + j] += sum over o of dy[n, oh, ow, o] * wt[o, fh*FW*C + j]
// for j in [0, FW*C) (the window's row fh is contiguous in NHWC). This is the product dy x W^T
// with col2im fused into its epilogue: a tile's 4 pixels x 8 columns are added straight into dx.
// wt is the filter transposed to [OC, K].
// ---------------------------------------------------------------------------------------------

/** dx at 4 pixels (d0..d3, `count` of them real), columns j..j+7 += dy rows (q0..q3) x wt column block. */
function inputTile4x8(
  q0: usize, q1: usize, q2: usize, q3: usize, wAt: usize, wRow: usize, OC: i32,
  d0: usize, d1: usize, d2: usize, d3: usize, count: i32,
): void {
  let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
  let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
  let w = wAt;
  for (let o = 0; o < OC; o++) {
    const off = (<usize>o) << 2;
    const w0 = v128.load(w);
    const w1 = v128.load(w, 16);
    let s = v128.load32_splat(q0 + off);
    a00 = madd(s, w0, a00);
    a01 = madd(s, w1, a01);
    s = v128.load32_splat(q1 + off);
    a10 = madd(s, w0, a10);
    a11 = madd(s, w1, a11);
    s = v128.load32_splat(q2 + off);
    a20 = madd(s, w0, a20);
    a21 = madd(s, w1, a21);
    s = v128.load32_splat(q3 + off);
    a30 = madd(s, w0, a30);
    a31 = madd(s, w1, a31);
    w += wRow;
  }
  // Windows of neighbouring pixels overlap: add one pixel at a time, loads after the previous stores.
  v128.store(d0, f32x4.add(v128.load(d0), a00));
  v128.store(d0, f32x4.add(v128.load(d0, 16), a01), 16);
  if (count > 1) {
    v128.store(d1, f32x4.add(v128.load(d1), a10));
    v128.store(d1, f32x4.add(v128.load(d1, 16), a11), 16);
  }
  if (count > 2) {
    v128.store(d2, f32x4.add(v128.load(d2), a20));
    v128.store(d2, f32x4.add(v128.load(d2, 16), a21), 16);
  }
  if (count > 3) {
    v128.store(d3, f32x4.add(v128.load(d3), a30));
    v128.store(d3, f32x4.add(v128.load(d3, 16), a31), 16);
  }
}

/** The same for 4 columns. */
function inputTile4x4(
  q0: usize, q1: usize, q2: usize, q3: usize, wAt: usize, wRow: usize, OC: i32,
  d0: usize, d1: usize, d2: usize, d3: usize, count: i32,
): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let w = wAt;
  for (let o = 0; o < OC; o++) {
    const off = (<usize>o) << 2;
    const w0 = v128.load(w);
    a0 = madd(v128.load32_splat(q0 + off), w0, a0);
    a1 = madd(v128.load32_splat(q1 + off), w0, a1);
    a2 = madd(v128.load32_splat(q2 + off), w0, a2);
    a3 = madd(v128.load32_splat(q3 + off), w0, a3);
    w += wRow;
  }
  v128.store(d0, f32x4.add(v128.load(d0), a0));
  if (count > 1) v128.store(d1, f32x4.add(v128.load(d1), a1));
  if (count > 2) v128.store(d2, f32x4.add(v128.load(d2), a2));
  if (count > 3) v128.store(d3, f32x4.add(v128.load(d3), a3));
}

/** One dx element: the columns FW*C % 4 leaves over. */
function inputScalar(q: usize, wAt: usize, wRow: usize, OC: i32, d: usize): void {
  let acc: f32 = 0;
  let w = wAt;
  for (let o = 0; o < OC; o++) {
    acc += load<f32>(q + ((<usize>o) << 2)) * load<f32>(w);
    w += wRow;
  }
  store<f32>(d, load<f32>(d) + acc);
}

/**
 * Conv2DBackpropInput, valid geometry: dy [N, OH, OW, OC], wt [OC, FH*FW*C] -> dx [N, H, W, C]
 * (zeroed here first). Pixels go in blocks of 4 in row-major output order.
 */
export function convInputGrad(
  dy: usize, wt: usize, dx: usize,
  N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, OC: i32, FH: i32, FW: i32, sh: i32, sw: i32,
): void {
  const rowLen = FW * C;
  const K = FH * rowLen;
  memory.fill(dx, 0, (<usize>(N * H * W * C)) << 2);
  const P = OH * OW;
  const wRow = (<usize>K) << 2;
  const dyPix = (<usize>OC) << 2;
  const j8 = rowLen & ~7;
  const j4 = rowLen & ~3;
  for (let n = 0; n < N; n++) {
    const dxImg = dx + ((<usize>(n * H * W * C)) << 2);
    const dyImg = dy + ((<usize>(n * P * OC)) << 2);
    for (let fh = 0; fh < FH; fh++) {
      for (let m = 0; m < P; m += 4) {
        const count = min(4, P - m);
        // Pixel i of the block (clamped to the last real one: its tile results are not stored).
        const m1 = min(m + 1, P - 1), m2 = min(m + 2, P - 1), m3 = min(m + 3, P - 1);
        const q0 = dyImg + <usize>m * dyPix, q1 = dyImg + <usize>m1 * dyPix;
        const q2 = dyImg + <usize>m2 * dyPix, q3 = dyImg + <usize>m3 * dyPix;
        const b0 = dxImg + pixelBase(m, OW, sh, sw, fh, W, C);
        const b1 = dxImg + pixelBase(m1, OW, sh, sw, fh, W, C);
        const b2 = dxImg + pixelBase(m2, OW, sh, sw, fh, W, C);
        const b3 = dxImg + pixelBase(m3, OW, sh, sw, fh, W, C);
        const wFh = wt + ((<usize>(fh * rowLen)) << 2);
        for (let j = 0; j < j8; j += 8) {
          const jb = (<usize>j) << 2;
          inputTile4x8(q0, q1, q2, q3, wFh + jb, wRow, OC, b0 + jb, b1 + jb, b2 + jb, b3 + jb, count);
        }
        if (j4 > j8) {
          const jb = (<usize>j8) << 2;
          inputTile4x4(q0, q1, q2, q3, wFh + jb, wRow, OC, b0 + jb, b1 + jb, b2 + jb, b3 + jb, count);
        }
        for (let j = j4; j < rowLen; j++) {
          const jb = (<usize>j) << 2;
          inputScalar(q0, wFh + jb, wRow, OC, b0 + jb);
          if (count > 1) inputScalar(q1, wFh + jb, wRow, OC, b1 + jb);
          if (count > 2) inputScalar(q2, wFh + jb, wRow, OC, b2 + jb);
          if (count > 3) inputScalar(q3, wFh + jb, wRow, OC, b3 + jb);
        }
      }
    }
  }
}

/** Byte offset in one dx image of window row fh's first element for output pixel m. */
@inline
function pixelBase(m: i32, OW: i32, sh: i32, sw: i32, fh: i32, W: i32, C: i32): usize {
  const oh = m / OW;
  const ow = m - oh * OW;
  return (<usize>(((oh * sh + fh) * W + ow * sw) * C)) << 2;
}

/** out[c, r] = m[r, c] for an [R, Cn] matrix, out's rows `outStride` long (the filter as wt for convInputGrad). */
export function transpose2d(m: usize, out: usize, R: i32, Cn: i32, outStride: i32): void {
  for (let r = 0; r < R; r++) {
    const row = m + ((<usize>(r * Cn)) << 2);
    for (let c = 0; c < Cn; c++) {
      store<f32>(out + ((<usize>(c * outStride + r)) << 2), load<f32>(row + ((<usize>c) << 2)));
    }
  }
}

/**
 * The scatter half of Conv2DBackpropInput for windows whose rows are too short for the fused
 * tiles (FW*C < 8, e.g. a first layer's single channel): cols [N*OH*OW, Kp] holds each output
 * pixel's window gradient (its first FH*FW*C columns); add every window into dx (zeroed here).
 */
export function col2im(cols: usize, dx: usize, N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, FH: i32, FW: i32, sh: i32, sw: i32, Kp: i32): void {
  memory.fill(dx, 0, (<usize>(N * H * W * C)) << 2);
  const rowLen = FW * C;
  const P = OH * OW;
  let src = cols;
  const colsRow = (<usize>Kp) << 2;
  for (let n = 0; n < N; n++) {
    const dxImg = dx + ((<usize>(n * H * W * C)) << 2);
    for (let m = 0; m < P; m++) {
      let s = src;
      for (let fh = 0; fh < FH; fh++) {
        const d = dxImg + pixelBase(m, OW, sh, sw, fh, W, C);
        for (let j = 0; j < rowLen; j++) {
          const o = (<usize>j) << 2;
          store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o));
        }
        s += (<usize>rowLen) << 2;
      }
      src += colsRow;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Conv2D (forward): y[n, oh, ow, o] = sum over k of x[window(oh, ow) + offset(k)] * w[k, o], w [K, OC].
// The same GEMM shape as convInputGrad, gathering the left operand from the image instead of
// scattering the result into it: 4 pixels x 8 output channels per tile, reduced over the window.
// ---------------------------------------------------------------------------------------------

/** y at 4 pixels (windows at b0..b3, outputs at y0..y3, `count` real), channels o..o+7 = window x w. */
function forwardTile4x8(
  b0: usize, b1: usize, b2: usize, b3: usize, wAt: usize, wRow: usize, FH: i32, rowBytes: usize, xRow: usize,
  y0: usize, y1: usize, y2: usize, y3: usize, count: i32, biasAt: usize, epi: i32,
): void {
  let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
  let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
  let w = wAt;
  let r: usize = 0;
  for (let fh = 0; fh < FH; fh++) {
    for (let j: usize = 0; j < rowBytes; j += 4) {
      const off = r + j;
      const w0 = v128.load(w);
      const w1 = v128.load(w, 16);
      let s = v128.load32_splat(b0 + off);
      a00 = madd(s, w0, a00);
      a01 = madd(s, w1, a01);
      s = v128.load32_splat(b1 + off);
      a10 = madd(s, w0, a10);
      a11 = madd(s, w1, a11);
      s = v128.load32_splat(b2 + off);
      a20 = madd(s, w0, a20);
      a21 = madd(s, w1, a21);
      s = v128.load32_splat(b3 + off);
      a30 = madd(s, w0, a30);
      a31 = madd(s, w1, a31);
      w += wRow;
    }
    r += xRow;
  }
  if (epi & EPI_BIAS) {
    const c0 = v128.load(biasAt);
    const c1 = v128.load(biasAt, 16);
    a00 = f32x4.add(a00, c0); a01 = f32x4.add(a01, c1); a10 = f32x4.add(a10, c0); a11 = f32x4.add(a11, c1);
    a20 = f32x4.add(a20, c0); a21 = f32x4.add(a21, c1); a30 = f32x4.add(a30, c0); a31 = f32x4.add(a31, c1);
  }
  if (epi & EPI_RELU) {
    const z = f32x4.splat(0);
    a00 = f32x4.max(a00, z); a01 = f32x4.max(a01, z); a10 = f32x4.max(a10, z); a11 = f32x4.max(a11, z);
    a20 = f32x4.max(a20, z); a21 = f32x4.max(a21, z); a30 = f32x4.max(a30, z); a31 = f32x4.max(a31, z);
  }
  v128.store(y0, a00);
  v128.store(y0, a01, 16);
  if (count > 1) { v128.store(y1, a10); v128.store(y1, a11, 16); }
  if (count > 2) { v128.store(y2, a20); v128.store(y2, a21, 16); }
  if (count > 3) { v128.store(y3, a30); v128.store(y3, a31, 16); }
}

/** The same for 4 output channels. */
function forwardTile4x4(
  b0: usize, b1: usize, b2: usize, b3: usize, wAt: usize, wRow: usize, FH: i32, rowBytes: usize, xRow: usize,
  y0: usize, y1: usize, y2: usize, y3: usize, count: i32, biasAt: usize, epi: i32,
): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let w = wAt;
  let r: usize = 0;
  for (let fh = 0; fh < FH; fh++) {
    for (let j: usize = 0; j < rowBytes; j += 4) {
      const off = r + j;
      const w0 = v128.load(w);
      a0 = madd(v128.load32_splat(b0 + off), w0, a0);
      a1 = madd(v128.load32_splat(b1 + off), w0, a1);
      a2 = madd(v128.load32_splat(b2 + off), w0, a2);
      a3 = madd(v128.load32_splat(b3 + off), w0, a3);
      w += wRow;
    }
    r += xRow;
  }
  if (epi & EPI_BIAS) {
    const c0 = v128.load(biasAt);
    a0 = f32x4.add(a0, c0); a1 = f32x4.add(a1, c0); a2 = f32x4.add(a2, c0); a3 = f32x4.add(a3, c0);
  }
  if (epi & EPI_RELU) {
    const z = f32x4.splat(0);
    a0 = f32x4.max(a0, z); a1 = f32x4.max(a1, z); a2 = f32x4.max(a2, z); a3 = f32x4.max(a3, z);
  }
  v128.store(y0, a0);
  if (count > 1) v128.store(y1, a1);
  if (count > 2) v128.store(y2, a2);
  if (count > 3) v128.store(y3, a3);
}

/** One output element: the channels OC % 4 leaves over. */
function forwardScalar(b: usize, wAt: usize, wRow: usize, FH: i32, rowBytes: usize, xRow: usize, y: usize, biasAt: usize, epi: i32): void {
  let acc: f32 = 0;
  let w = wAt;
  let r: usize = 0;
  for (let fh = 0; fh < FH; fh++) {
    for (let j: usize = 0; j < rowBytes; j += 4) {
      acc += load<f32>(b + r + j) * load<f32>(w);
      w += wRow;
    }
    r += xRow;
  }
  if (epi & EPI_BIAS) acc += load<f32>(biasAt);
  if ((epi & EPI_RELU) && acc < 0) acc = 0;
  store<f32>(y, acc);
}

/** Epilogue flags of convForward: add a bias [OC], then relu (FusedConv2D's common case). */
const EPI_BIAS = 1;
const EPI_RELU = 2;

/**
 * Conv2D, valid geometry: x [N, H, W, C], w [FH, FW, C, OC] -> y [N, OH, OW, OC], plus bias and/or
 * relu as `epi` says (bias [OC] at `bias`). Per image, per block of output channels (whose filter
 * columns stay in L1), pixels in blocks of 4.
 */
export function convForward(
  x: usize, w: usize, y: usize, bias: usize, epi: i32,
  N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, OC: i32, FH: i32, FW: i32, sh: i32, sw: i32,
): void {
  const rowBytes = (<usize>(FW * C)) << 2;
  const xRow = (<usize>(W * C)) << 2;
  const wRow = (<usize>OC) << 2;
  const P = OH * OW;
  const oc8 = OC & ~7;
  const oc4 = OC & ~3;
  for (let n = 0; n < N; n++) {
    const xImg = x + ((<usize>(n * H * W * C)) << 2);
    const yImg = y + ((<usize>(n * P * OC)) << 2);
    for (let o = 0; o < OC; o += 8) {
      const wide = o < oc8;
      if (!wide && o >= oc4) break;
      const ob = (<usize>o) << 2;
      for (let m = 0; m < P; m += 4) {
        const count = min(4, P - m);
        const m1 = min(m + 1, P - 1), m2 = min(m + 2, P - 1), m3 = min(m + 3, P - 1);
        const b0 = xImg + pixelBase(m, OW, sh, sw, 0, W, C), b1 = xImg + pixelBase(m1, OW, sh, sw, 0, W, C);
        const b2 = xImg + pixelBase(m2, OW, sh, sw, 0, W, C), b3 = xImg + pixelBase(m3, OW, sh, sw, 0, W, C);
        const y0 = yImg + <usize>m * wRow + ob, y1 = yImg + <usize>m1 * wRow + ob;
        const y2 = yImg + <usize>m2 * wRow + ob, y3 = yImg + <usize>m3 * wRow + ob;
        if (wide) forwardTile4x8(b0, b1, b2, b3, w + ob, wRow, FH, rowBytes, xRow, y0, y1, y2, y3, count, bias + ob, epi);
        else forwardTile4x4(b0, b1, b2, b3, w + ob, wRow, FH, rowBytes, xRow, y0, y1, y2, y3, count, bias + ob, epi);
      }
    }
    for (let o = oc4; o < OC; o++) {
      const ob = (<usize>o) << 2;
      for (let m = 0; m < P; m++) {
        forwardScalar(xImg + pixelBase(m, OW, sh, sw, 0, W, C), w + ob, wRow, FH, rowBytes, xRow, yImg + <usize>m * wRow + ob, bias + ob, epi);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Padding helpers for padded convolutions: the kernels above run on the padded geometry.
// ---------------------------------------------------------------------------------------------

/** dst [N, H+pt+pb, W+pl+pr, C] = src [N, H, W, C] surrounded by zeros. */
export function padImages(src: usize, dst: usize, N: i32, H: i32, W: i32, C: i32, pt: i32, pb: i32, pl: i32, pr: i32): void {
  const Hp = H + pt + pb;
  const Wp = W + pl + pr;
  const rowIn = (<usize>(W * C)) << 2;
  const rowOut = (<usize>(Wp * C)) << 2;
  memory.fill(dst, 0, <usize>(N * Hp) * rowOut);
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < H; h++) {
      const s = src + <usize>(n * H + h) * rowIn;
      const d = dst + <usize>(n * Hp + h + pt) * rowOut + ((<usize>(pl * C)) << 2);
      memory.copy(d, s, rowIn);
    }
  }
}

/** dst [N, H, W, C] = the interior of src [N, H+pt+pb, W+pl+pr, C] (drops what fell on padding). */
export function cropImages(src: usize, dst: usize, N: i32, H: i32, W: i32, C: i32, pt: i32, pb: i32, pl: i32, pr: i32): void {
  const Hp = H + pt + pb;
  const Wp = W + pl + pr;
  const rowOut = (<usize>(W * C)) << 2;
  const rowIn = (<usize>(Wp * C)) << 2;
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < H; h++) {
      const s = src + <usize>(n * Hp + h + pt) * rowIn + ((<usize>(pl * C)) << 2);
      const d = dst + <usize>(n * H + h) * rowOut;
      memory.copy(d, s, rowOut);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// MaxPoolGrad for the 2x2, stride 2, unpadded pool with C % 4 == 0: dy goes to the first maximum
// of each window in row-major order (strict '>' as the cpu backend), four channels at a time.
// ---------------------------------------------------------------------------------------------

export function maxPoolGrad2x2(x: usize, dy: usize, dx: usize, N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32): void {
  // Rows/columns beyond 2*OH / 2*OW (odd sizes) get no gradient: clear everything first then.
  if (2 * OH != H || 2 * OW != W) memory.fill(dx, 0, (<usize>(N * H * W * C)) << 2);
  const pix = (<usize>C) << 2;
  const row = (<usize>(W * C)) << 2;
  let g = dy;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const rowBase = ((<usize>((n * H + 2 * oh) * W)) * C) << 2;
      for (let ow = 0; ow < OW; ow++) {
        const p00 = rowBase + ((<usize>(2 * ow)) * pix);
        for (let c: usize = 0; c < pix; c += 16) {
          const i00 = p00 + c;
          const i01 = i00 + pix;
          const i10 = i00 + row;
          const i11 = i10 + pix;
          const v00 = v128.load(x + i00);
          const v01 = v128.load(x + i01);
          const v10 = v128.load(x + i10);
          const v11 = v128.load(x + i11);
          const g01 = f32x4.gt(v01, v00);
          let best = v128.bitselect(v01, v00, g01);
          const g10 = f32x4.gt(v10, best);
          best = v128.bitselect(v10, best, g10);
          const g11 = f32x4.gt(v11, best);
          // The winner is the last window position whose compare succeeded (or 00 if none did).
          const w11 = g11;
          const w10 = v128.andnot(g10, g11);
          const w01 = v128.andnot(v128.andnot(g01, g10), g11);
          const w00 = v128.not(v128.or(v128.or(g01, g10), g11));
          const d = v128.load(g + c);
          v128.store(dx + i00, v128.and(d, w00));
          v128.store(dx + i01, v128.and(d, w01));
          v128.store(dx + i10, v128.and(d, w10));
          v128.store(dx + i11, v128.and(d, w11));
        }
        g += pix;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropInput of a single-channel input (a first layer: its input gradient is never used,
// but a fused conv's gradient computes it all the same), stride 1, OC % 4 == 0, into the padded
// target [N, Hp, Wp] (added to; cleared first here): target[n, oh + kh, ow + kw] +=
// dy[n, oh, ow, :] . w[kh, kw, :]. Four columns at a time, so each tap's four dot products are
// reduced together and land as one vector on four neighbouring target pixels.
// ---------------------------------------------------------------------------------------------

@inline
function sum4x4(s0: v128, s1: v128, s2: v128, s3: v128): v128 {
  // [sum(s0), sum(s1), sum(s2), sum(s3)]
  const a = f32x4.add(v128.shuffle<f32>(s0, s1, 0, 4, 1, 5), v128.shuffle<f32>(s0, s1, 2, 6, 3, 7));
  const b = f32x4.add(v128.shuffle<f32>(s2, s3, 0, 4, 1, 5), v128.shuffle<f32>(s2, s3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(a, b, 0, 1, 4, 5), v128.shuffle<f32>(a, b, 2, 3, 6, 7));
}

export function convInputGradSingle(dy: usize, w: usize, target: usize, N: i32, Hp: i32, Wp: i32, OH: i32, OW: i32, OC: i32, FH: i32, FW: i32): void {
  memory.fill(target, 0, (<usize>(N * Hp * Wp)) << 2);
  const pix = (<usize>OC) << 2;
  const taps = FH * FW;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const dyRow = dy + (<usize>((n * OH + oh) * OW)) * pix;
      const tRow = target + ((<usize>((n * Hp + oh) * Wp)) << 2);
      let ow = 0;
      for (; ow + 4 <= OW; ow += 4) {
        const d0 = dyRow + (<usize>ow) * pix;
        const d1 = d0 + pix;
        const d2 = d1 + pix;
        const d3 = d2 + pix;
        for (let k = 0; k < taps; k++) {
          const wk = w + (<usize>k) * pix;
          let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
          for (let c: usize = 0; c < pix; c += 16) {
            const wv = v128.load(wk + c);
            s0 = madd(v128.load(d0 + c), wv, s0);
            s1 = madd(v128.load(d1 + c), wv, s1);
            s2 = madd(v128.load(d2 + c), wv, s2);
            s3 = madd(v128.load(d3 + c), wv, s3);
          }
          const kh = k / FW;
          const kw = k - kh * FW;
          const t = tRow + ((<usize>(kh * Wp + ow + kw)) << 2);
          v128.store(t, f32x4.add(v128.load(t), sum4x4(s0, s1, s2, s3)));
        }
      }
      for (; ow < OW; ow++) {
        const d0 = dyRow + (<usize>ow) * pix;
        for (let k = 0; k < taps; k++) {
          const wk = w + (<usize>k) * pix;
          let s0 = f32x4.splat(0);
          for (let c: usize = 0; c < pix; c += 16) s0 = madd(v128.load(d0 + c), v128.load(wk + c), s0);
          const kh = k / FW;
          const kw = k - kh * FW;
          const t = tRow + ((<usize>(kh * Wp + ow + kw)) << 2);
          store<f32>(t, load<f32>(t) + (f32x4.extract_lane(s0, 0) + f32x4.extract_lane(s0, 1)) + (f32x4.extract_lane(s0, 2) + f32x4.extract_lane(s0, 3)));
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// MaxPoolGrad for the 2x1 (two rows, one column), stride [2, 1], unpadded pool with C % 4 == 0: the
// line model's height-only pools. dy goes to the upper row unless the lower is strictly larger.
// ---------------------------------------------------------------------------------------------

export function maxPoolGrad2x1(x: usize, dy: usize, dx: usize, N: i32, H: i32, W: i32, C: i32, OH: i32): void {
  // Rows beyond 2*OH (an odd height) get no gradient: clear everything first then.
  if (2 * OH != H) memory.fill(dx, 0, (<usize>(N * H * W * C)) << 2);
  const row = (<usize>(W * C)) << 2;
  let g = dy;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const top = (<usize>((n * H + 2 * oh) * W * C)) << 2;
      for (let c: usize = 0; c < row; c += 16) {
        const i0 = top + c;
        const i1 = i0 + row;
        const lower = f32x4.gt(v128.load(x + i1), v128.load(x + i0));
        const d = v128.load(g + c);
        v128.store(dx + i0, v128.andnot(d, lower));
        v128.store(dx + i1, v128.and(d, lower));
      }
      g += row;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Column sums (bias gradients): out[j] = sum over rows of x[r, j] / divisor, cols % 4 == 0.
// Rows are summed in chunks of 64 in registers, chunk sums added into float64 totals held in
// `acc` (scratch of cols float64), so a long reduction does not lose float32 precision.
// ---------------------------------------------------------------------------------------------

export function sumRows(x: usize, out: usize, acc: usize, rows: i32, cols: i32, divisor: f64): void {
  memory.fill(acc, 0, (<usize>cols) << 3);
  const rowBytes = (<usize>cols) << 2;
  for (let r0 = 0; r0 < rows; r0 += 64) {
    const r1 = min(rows, r0 + 64);
    for (let j = 0; j < cols; j += 8) {
      const two = j + 8 <= cols;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), t0 = f32x4.splat(0), t1 = f32x4.splat(0);
      let p = x + <usize>r0 * rowBytes + ((<usize>j) << 2);
      let r = r0;
      for (; r + 2 <= r1; r += 2) {
        s0 = f32x4.add(s0, v128.load(p));
        t0 = f32x4.add(t0, v128.load(p + rowBytes));
        if (two) {
          s1 = f32x4.add(s1, v128.load(p, 16));
          t1 = f32x4.add(t1, v128.load(p + rowBytes, 16));
        }
        p += rowBytes << 1;
      }
      if (r < r1) {
        s0 = f32x4.add(s0, v128.load(p));
        if (two) s1 = f32x4.add(s1, v128.load(p, 16));
      }
      s0 = f32x4.add(s0, t0);
      s1 = f32x4.add(s1, t1);
      const a = acc + ((<usize>j) << 3);
      v128.store(a, f64x2.add(v128.load(a), f64x2.promote_low_f32x4(s0)));
      v128.store(a, f64x2.add(v128.load(a, 16), f64x2.promote_low_f32x4(i32x4.shuffle(s0, s0, 2, 3, 0, 1))), 16);
      if (two) {
        v128.store(a, f64x2.add(v128.load(a, 32), f64x2.promote_low_f32x4(s1)), 32);
        v128.store(a, f64x2.add(v128.load(a, 48), f64x2.promote_low_f32x4(i32x4.shuffle(s1, s1, 2, 3, 0, 1))), 48);
      }
    }
  }
  for (let j = 0; j < cols; j++) {
    store<f32>(out + ((<usize>j) << 2), <f32>(load<f64>(acc + ((<usize>j) << 3)) / divisor));
  }
}

// ---------------------------------------------------------------------------------------------
// Adam, fused: one pass per variable instead of a dozen elementwise kernels, in the same float32
// operations and order as tfjs's AdamOptimizer (so the result matches it):
//   m' = m*b1 + g*(1-b1); v' = v*b2 + g*g*(1-b2)
//   value' = (m'/c1) / (sqrt(v'/c2) + eps) * (-lr) + value,  c1 = 1 - b1^t, c2 = 1 - b2^t
// Outputs may alias inputs (in-place update). n % 4 elements at the end run scalar.
// ---------------------------------------------------------------------------------------------

export function adamUpdate(
  value: usize, m: usize, v: usize, g: usize, outValue: usize, outM: usize, outV: usize, n: i32,
  b1: f32, oneMinusB1: f32, b2: f32, oneMinusB2: f32, c1: f32, c2: f32, eps: f32, negLr: f32,
): void {
  const vb1 = f32x4.splat(b1), vob1 = f32x4.splat(oneMinusB1);
  const vb2 = f32x4.splat(b2), vob2 = f32x4.splat(oneMinusB2);
  const vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2), veps = f32x4.splat(eps), vlr = f32x4.splat(negLr);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    const gi = v128.load(g + o);
    const mi = f32x4.add(f32x4.mul(v128.load(m + o), vb1), f32x4.mul(gi, vob1));
    const si = f32x4.add(f32x4.mul(v128.load(v + o), vb2), f32x4.mul(f32x4.mul(gi, gi), vob2));
    const step = f32x4.mul(f32x4.div(f32x4.div(mi, vc1), f32x4.add(f32x4.sqrt(f32x4.div(si, vc2)), veps)), vlr);
    const nv = f32x4.add(step, v128.load(value + o));
    v128.store(outM + o, mi);
    v128.store(outV + o, si);
    v128.store(outValue + o, nv);
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const gi = load<f32>(g + o);
    const mi: f32 = load<f32>(m + o) * b1 + gi * oneMinusB1;
    const si: f32 = load<f32>(v + o) * b2 + (gi * gi) * oneMinusB2;
    const step: f32 = ((mi / c1) / (Mathf.sqrt(si / c2) + eps)) * negLr;
    store<f32>(outM + o, mi);
    store<f32>(outV + o, si);
    store<f32>(outValue + o, step + load<f32>(value + o));
  }
}

// ---------------------------------------------------------------------------------------------
// Elementwise passes that replace several stock kernels each.
// ---------------------------------------------------------------------------------------------

/** Relu's gradient in one pass: dx = x > 0 ? dy : 0 (tfjs: dy * step(x), three kernels). n % 4 == 0. */
export function reluGrad(x: usize, dy: usize, dx: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const end = (<usize>n) << 2;
  for (let o: usize = 0; o < end; o += 16) {
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(x + o), zero)));
  }
}

/** out[r, c] = x[r, c] + b[c] for x [rows, C] (a bias over the last axis), C % 4 == 0. */
export function biasAdd(x: usize, b: usize, out: usize, rows: i32, C: i32): void {
  const row = (<usize>C) << 2;
  let p = x;
  let q = out;
  for (let r = 0; r < rows; r++) {
    for (let c: usize = 0; c < row; c += 16) {
      v128.store(q + c, f32x4.add(v128.load(p + c), v128.load(b + c)));
    }
    p += row;
    q += row;
  }
}

// ---------------------------------------------------------------------------------------------
// Batch norm in training, over the rows of x [rows, C] (every axis but the channels), C % 4 == 0.
// tfjs runs it as moments (Mean, Sub, Square, Mean) + FusedBatchNorm forward and a dozen kernels
// backward; here it is two passes over x forward and two over (x, dy) backward. Sums run in
// float32 over chunks of 64 rows, chunk sums go into float64 totals in `acc` (scratch), as sumRows.
// `acc` holds 8*C float32 slots: [0, 4C) two float64 totals per channel, [4C, 8C) per-channel
// float32 coefficients of the second pass.
// ---------------------------------------------------------------------------------------------

/** Rows summed in float32 registers before a chunk's sums go into the float64 totals. */
const BN_CHUNK = 64;

/** totals[2c] += s[lane], totals[2c+1] += q[lane] for the 4 channels of one vector (c = j..j+3). */
@inline
function addPairs(acc: usize, j: i32, s: v128, q: v128): void {
  const a = acc + ((<usize>j) << 4); // 2 float64 per channel
  const s01 = f64x2.promote_low_f32x4(s);
  const s23 = f64x2.promote_low_f32x4(i32x4.shuffle(s, s, 2, 3, 0, 1));
  const q01 = f64x2.promote_low_f32x4(q);
  const q23 = f64x2.promote_low_f32x4(i32x4.shuffle(q, q, 2, 3, 0, 1));
  // Interleaved per channel: [s_c, q_c] pairs.
  v128.store(a, f64x2.add(v128.load(a), i64x2.shuffle(s01, q01, 0, 2)));
  v128.store(a, f64x2.add(v128.load(a, 16), i64x2.shuffle(s01, q01, 1, 3)), 16);
  v128.store(a, f64x2.add(v128.load(a, 32), i64x2.shuffle(s23, q23, 0, 2)), 32);
  v128.store(a, f64x2.add(v128.load(a, 48), i64x2.shuffle(s23, q23, 1, 3)), 48);
}

/**
 * Forward: mean [C] and (biased) variance [C] of x's rows, then y = (x - mean) * gamma / sqrt(var + eps) + beta.
 * The sums are of x minus its first row (a shift near the mean), so the variance does not come
 * from the difference of two large numbers when |mean| >> std.
 */
export function batchNormForward(
  x: usize, gamma: usize, beta: usize, y: usize, mean: usize, variance: usize, acc: usize,
  rows: i32, C: i32, eps: f32,
): void {
  const rowBytes = (<usize>C) << 2;
  memory.fill(acc, 0, (<usize>C) << 4);
  for (let r0 = 0; r0 < rows; r0 += BN_CHUNK) {
    const r1 = min(rows, r0 + BN_CHUNK);
    for (let j = 0; j < C; j += 4) {
      const jb = (<usize>j) << 2;
      const shift = v128.load(x + jb);
      let s = f32x4.splat(0), q = f32x4.splat(0);
      let p = x + <usize>r0 * rowBytes + jb;
      for (let r = r0; r < r1; r++) {
        const d = f32x4.sub(v128.load(p), shift);
        s = f32x4.add(s, d);
        q = madd(d, d, q);
        p += rowBytes;
      }
      addPairs(acc, j, s, q);
    }
  }
  const coef = acc + ((<usize>C) << 4); // [C] scale a, [C] mean (float32)
  const n = <f64>rows;
  for (let c = 0; c < C; c++) {
    const cb = (<usize>c) << 2;
    const m = load<f64>(acc + ((<usize>c) << 4)) / n;
    const v = max<f64>(0, load<f64>(acc + ((<usize>c) << 4), 8) / n - m * m);
    const mu = <f32>(<f64>load<f32>(x + cb) + m);
    store<f32>(mean + cb, mu);
    store<f32>(variance + cb, <f32>v);
    store<f32>(coef + cb, <f32>(<f64>load<f32>(gamma + cb) / Math.sqrt(v + <f64>eps)));
    store<f32>(coef + rowBytes + cb, mu);
  }
  let p = x;
  let q = y;
  for (let r = 0; r < rows; r++) {
    for (let jb: usize = 0; jb < rowBytes; jb += 16) {
      const a = v128.load(coef + jb);
      const mu = v128.load(coef + rowBytes + jb);
      v128.store(q + jb, madd(f32x4.sub(v128.load(p + jb), mu), a, v128.load(beta + jb)));
    }
    p += rowBytes;
    q += rowBytes;
  }
}

/**
 * Backward of batchNormForward with the statistics taken from the batch (so their own gradients
 * are included): with xm = x - mean, k = 1/sqrt(var + eps), Sd = sum dy, Sx = sum dy*xm per channel,
 *   dbeta = Sd, dgamma = k*Sx, dx = gamma*k*dy - gamma*k^3*Sx/rows * xm - gamma*k*Sd/rows.
 */
export function batchNormBackward(
  x: usize, dy: usize, mean: usize, variance: usize, gamma: usize, dx: usize, dgamma: usize, dbeta: usize, acc: usize,
  rows: i32, C: i32, eps: f32,
): void {
  const rowBytes = (<usize>C) << 2;
  memory.fill(acc, 0, (<usize>C) << 4);
  for (let r0 = 0; r0 < rows; r0 += BN_CHUNK) {
    const r1 = min(rows, r0 + BN_CHUNK);
    for (let j = 0; j < C; j += 4) {
      const jb = (<usize>j) << 2;
      const mu = v128.load(mean + jb);
      let s = f32x4.splat(0), q = f32x4.splat(0);
      const start = <usize>r0 * rowBytes + jb;
      let p = x + start;
      let g = dy + start;
      for (let r = r0; r < r1; r++) {
        const d = v128.load(g);
        s = f32x4.add(s, d);
        q = madd(d, f32x4.sub(v128.load(p), mu), q);
        p += rowBytes;
        g += rowBytes;
      }
      addPairs(acc, j, s, q);
    }
  }
  // Second pass coefficients: dx = A*dy + B*xm + D.
  const cA = acc + ((<usize>C) << 4);
  const cB = cA + rowBytes;
  const cD = cB + rowBytes;
  const n = <f64>rows;
  for (let c = 0; c < C; c++) {
    const cb = (<usize>c) << 2;
    const sd = load<f64>(acc + ((<usize>c) << 4));
    const sx = load<f64>(acc + ((<usize>c) << 4), 8);
    const k = 1 / Math.sqrt(<f64>load<f32>(variance + cb) + <f64>eps);
    const gk = <f64>load<f32>(gamma + cb) * k;
    store<f32>(dbeta + cb, <f32>sd);
    store<f32>(dgamma + cb, <f32>(k * sx));
    store<f32>(cA + cb, <f32>gk);
    store<f32>(cB + cb, <f32>(-gk * k * k * sx / n));
    store<f32>(cD + cb, <f32>(-gk * sd / n));
  }
  let p = x;
  let g = dy;
  let o = dx;
  for (let r = 0; r < rows; r++) {
    for (let jb: usize = 0; jb < rowBytes; jb += 16) {
      const xm = f32x4.sub(v128.load(p + jb), v128.load(mean + jb));
      const t = madd(v128.load(g + jb), v128.load(cA + jb), v128.load(cD + jb));
      v128.store(o + jb, madd(xm, v128.load(cB + jb), t));
    }
    p += rowBytes;
    g += rowBytes;
    o += rowBytes;
  }
}

// ---------------------------------------------------------------------------------------------
// Winograd F(2x2, 3x3) for stride-1 3x3 convolutions (Lavin & Gray, 2016): a 2x2 block of
// outputs from a 4x4 input tile d and the 3x3 filter g as
//   Y = A^T [ (G g G^T) ⊙ (B^T d B) ] A
// with B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1],
// A^T = [1 1 1 0; 0 1 -1 -1]. Summed over input channels, the ⊙ becomes 16 GEMMs (one per point
// ξ of the 4x4 transform domain): 16 multiplies per tile and channel pair instead of 36 (2.25x
// fewer), plus transforms that are adds over whole 4-channel vectors. Layouts: U [16, C, OC]
// (filter, transformed once per call); per block of TB tiles, V [16, TB, C] (input) and
// M [16, TB, OC] (products), scratch the caller allocates. Tiles are numbered over
// (image, tile row, tile column); C % 4 == 0 and OC % 4 == 0.
// The input gradient is the same forward pass over dy with the filter flipped and transposed
// (`winogradFilter` with flip = 1); the filter gradient is its adjoint:
//   dg = G^T [ sum over tiles of (B^T d B) ⊙ (A dY A^T) ] G.
// ---------------------------------------------------------------------------------------------

/**
 * Bytes after each ξ plane of the scratch arrays (U, V, M, Z, dU; the caller allocates 16 more
 * floats per plane). Planes whose size is a multiple of 4 KB would put a tile's 16 values in one
 * L1 set (8 ways): every transform's loads and stores would evict each other.
 */
const PLANE_PAD: usize = 64;

/**
 * U [16, rows, cols] = G g G^T for every filter g of w [3, 3, C, OC]: (rows, cols) = (C, OC), or
 * with flip = 1 the input gradient's filter g'[u][v] = g[2-u][2-v] with (rows, cols) = (OC, C);
 * each plane packed in column blocks (packedIndex).
 */
export function winogradFilter(w: usize, U: usize, C: i32, OC: i32, flip: i32): void {
  const tap = (<usize>(C * OC)) << 2; // bytes between filter taps
  const plane = tap + PLANE_PAD; // U's ξ planes have C*OC values either way
  // Packed for the products: rows C, columns OC (or rows OC, columns C for the input gradient),
  // visited in the packed order (column block, row, column) so each plane is written straight through.
  const rows = flip ? OC : C;
  const cols = flip ? C : OC;
  for (let b0 = 0; b0 < cols; b0 += 8) {
   const bEnd = min(cols, b0 + 8);
   for (let a = 0; a < rows; a++) {
    for (let b = b0; b < bEnd; b++) {
      const c = flip ? b : a;
      const o = flip ? a : b;
      const src = w + ((<usize>(c * OC + o)) << 2);
      const dst = U + ((<usize>packedIndex(a, b, rows, cols)) << 2);
      // g[u][v], flipped for the input gradient.
      let g00: f32, g01: f32, g02: f32, g10: f32, g11: f32, g12: f32, g20: f32, g21: f32, g22: f32;
      if (flip) {
        g00 = load<f32>(src + 8 * tap); g01 = load<f32>(src + 7 * tap); g02 = load<f32>(src + 6 * tap);
        g10 = load<f32>(src + 5 * tap); g11 = load<f32>(src + 4 * tap); g12 = load<f32>(src + 3 * tap);
        g20 = load<f32>(src + 2 * tap); g21 = load<f32>(src + tap); g22 = load<f32>(src);
      } else {
        g00 = load<f32>(src); g01 = load<f32>(src + tap); g02 = load<f32>(src + 2 * tap);
        g10 = load<f32>(src + 3 * tap); g11 = load<f32>(src + 4 * tap); g12 = load<f32>(src + 5 * tap);
        g20 = load<f32>(src + 6 * tap); g21 = load<f32>(src + 7 * tap); g22 = load<f32>(src + 8 * tap);
      }
      // Rows: G g (4 x 3).
      const r00 = g00, r01 = g01, r02 = g02;
      const r10: f32 = (g00 + g10 + g20) * 0.5, r11: f32 = (g01 + g11 + g21) * 0.5, r12: f32 = (g02 + g12 + g22) * 0.5;
      const r20: f32 = (g00 - g10 + g20) * 0.5, r21: f32 = (g01 - g11 + g21) * 0.5, r22: f32 = (g02 - g12 + g22) * 0.5;
      const r30 = g20, r31 = g21, r32 = g22;
      // Columns: (G g) G^T (4 x 4), stored at ξ = 4 * row + column.
      store<f32>(dst, r00);
      store<f32>(dst + plane, (r00 + r01 + r02) * 0.5);
      store<f32>(dst + 2 * plane, (r00 - r01 + r02) * 0.5);
      store<f32>(dst + 3 * plane, r02);
      store<f32>(dst + 4 * plane, r10);
      store<f32>(dst + 5 * plane, (r10 + r11 + r12) * 0.5);
      store<f32>(dst + 6 * plane, (r10 - r11 + r12) * 0.5);
      store<f32>(dst + 7 * plane, r12);
      store<f32>(dst + 8 * plane, r20);
      store<f32>(dst + 9 * plane, (r20 + r21 + r22) * 0.5);
      store<f32>(dst + 10 * plane, (r20 - r21 + r22) * 0.5);
      store<f32>(dst + 11 * plane, r22);
      store<f32>(dst + 12 * plane, r30);
      store<f32>(dst + 13 * plane, (r30 + r31 + r32) * 0.5);
      store<f32>(dst + 14 * plane, (r30 - r31 + r32) * 0.5);
      store<f32>(dst + 15 * plane, r32);
    }
   }
  }
}

/**
 * V[ξ][tb][c..c+3] = B^T d B for the 4x4 tile whose top-left pixel (channel c) is at p; `pix` and
 * `row` are the input's pixel and row strides, `plane` V's ξ stride (all in bytes).
 */
@inline
function inputTransform4(p: usize, pix: usize, row: usize, v: usize, plane: usize): void {
  // Rows of B^T d, column by column: t0 = d0 - d2, t1 = d1 + d2, t2 = d2 - d1, t3 = d1 - d3.
  const p1 = p + row, p2 = p1 + row, p3 = p2 + row;
  let a = v128.load(p), b = v128.load(p1), c = v128.load(p2), d = v128.load(p3);
  const t00 = f32x4.sub(a, c), t10 = f32x4.add(b, c), t20 = f32x4.sub(c, b), t30 = f32x4.sub(b, d);
  a = v128.load(p + pix); b = v128.load(p1 + pix); c = v128.load(p2 + pix); d = v128.load(p3 + pix);
  const t01 = f32x4.sub(a, c), t11 = f32x4.add(b, c), t21 = f32x4.sub(c, b), t31 = f32x4.sub(b, d);
  a = v128.load(p + 2 * pix); b = v128.load(p1 + 2 * pix); c = v128.load(p2 + 2 * pix); d = v128.load(p3 + 2 * pix);
  const t02 = f32x4.sub(a, c), t12 = f32x4.add(b, c), t22 = f32x4.sub(c, b), t32 = f32x4.sub(b, d);
  a = v128.load(p + 3 * pix); b = v128.load(p1 + 3 * pix); c = v128.load(p2 + 3 * pix); d = v128.load(p3 + 3 * pix);
  const t03 = f32x4.sub(a, c), t13 = f32x4.add(b, c), t23 = f32x4.sub(c, b), t33 = f32x4.sub(b, d);
  // Then B on the right, row by row.
  v128.store(v, f32x4.sub(t00, t02));
  v128.store(v + plane, f32x4.add(t01, t02));
  v128.store(v + 2 * plane, f32x4.sub(t02, t01));
  v128.store(v + 3 * plane, f32x4.sub(t01, t03));
  v128.store(v + 4 * plane, f32x4.sub(t10, t12));
  v128.store(v + 5 * plane, f32x4.add(t11, t12));
  v128.store(v + 6 * plane, f32x4.sub(t12, t11));
  v128.store(v + 7 * plane, f32x4.sub(t11, t13));
  v128.store(v + 8 * plane, f32x4.sub(t20, t22));
  v128.store(v + 9 * plane, f32x4.add(t21, t22));
  v128.store(v + 10 * plane, f32x4.sub(t22, t21));
  v128.store(v + 11 * plane, f32x4.sub(t21, t23));
  v128.store(v + 12 * plane, f32x4.sub(t30, t32));
  v128.store(v + 13 * plane, f32x4.add(t31, t32));
  v128.store(v + 14 * plane, f32x4.sub(t32, t31));
  v128.store(v + 15 * plane, f32x4.sub(t31, t33));
}

/** V for tiles t0..t0+nb-1: every tile's 4x4 window of xp [N, Hp, Wp, C], all channels. */
function winogradInputBlock(xp: usize, V: usize, t0: i32, nb: i32, TH: i32, TW: i32, Hp: i32, Wp: i32, C: i32, TB: i32): void {
  const pix = (<usize>C) << 2;
  const row = <usize>Wp * pix;
  const plane = ((<usize>(TB * C)) << 2) + PLANE_PAD;
  for (let i = 0; i < nb; i++) {
    const t = t0 + i;
    const n = t / (TH * TW);
    const r = t - n * TH * TW;
    const th = r / TW;
    const tw = r - th * TW;
    const p = xp + (<usize>(n * Hp + 2 * th)) * row + (<usize>(2 * tw)) * pix;
    const v = V + (<usize>(i * C) << 2);
    for (let c: usize = 0; c < pix; c += 16) inputTransform4(p + c, pix, row, v + c, plane);
  }
}

/** Out rows a0..a3 x cols o..o+7 = A rows (K long, contiguous) x B [K, ld] columns: stored, not added. */
function gemmTile4x8(a0: usize, a1: usize, a2: usize, a3: usize, b: usize, bRow: usize, K: i32, c0: usize, c1: usize, c2: usize, c3: usize): void {
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
  let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
  const end = (<usize>K) << 2;
  let w = b;
  for (let k: usize = 0; k < end; k += 4) {
    const w0 = v128.load(w);
    const w1 = v128.load(w, 16);
    let s = v128.load32_splat(a0 + k);
    s00 = madd(s, w0, s00);
    s01 = madd(s, w1, s01);
    s = v128.load32_splat(a1 + k);
    s10 = madd(s, w0, s10);
    s11 = madd(s, w1, s11);
    s = v128.load32_splat(a2 + k);
    s20 = madd(s, w0, s20);
    s21 = madd(s, w1, s21);
    s = v128.load32_splat(a3 + k);
    s30 = madd(s, w0, s30);
    s31 = madd(s, w1, s31);
    w += bRow;
  }
  v128.store(c0, s00); v128.store(c0, s01, 16);
  v128.store(c1, s10); v128.store(c1, s11, 16);
  v128.store(c2, s20); v128.store(c2, s21, 16);
  v128.store(c3, s30); v128.store(c3, s31, 16);
}

/** The same for 4 columns. */
function gemmTile4x4(a0: usize, a1: usize, a2: usize, a3: usize, b: usize, bRow: usize, K: i32, c0: usize, c1: usize, c2: usize, c3: usize): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  const end = (<usize>K) << 2;
  let w = b;
  for (let k: usize = 0; k < end; k += 4) {
    const w0 = v128.load(w);
    s0 = madd(v128.load32_splat(a0 + k), w0, s0);
    s1 = madd(v128.load32_splat(a1 + k), w0, s1);
    s2 = madd(v128.load32_splat(a2 + k), w0, s2);
    s3 = madd(v128.load32_splat(a3 + k), w0, s3);
    w += bRow;
  }
  v128.store(c0, s0);
  v128.store(c1, s1);
  v128.store(c2, s2);
  v128.store(c3, s3);
}

/**
 * Float offset of element (k, o) of a [K, OC] GEMM operand packed in column blocks: [OC/8][K][8],
 * then a [K][4] block for OC % 8 == 4. A tile's 8 (or 4) columns are then one contiguous run per
 * k, which the products read straight through (the transformed filters are stored this way).
 */
@inline
function packedIndex(k: i32, o: i32, K: i32, OC: i32): i32 {
  const oc8 = OC & ~7;
  return o < oc8 ? (o >> 3) * K * 8 + k * 8 + (o & 7) : oc8 * K + k * 4 + (o - oc8);
}

/**
 * M[ξ] = V[ξ] x U[ξ] for each of `points` points, U[ξ] packed by packedIndex; rows 0..nb-1
 * rounded up to 4 (V's extra rows are scratch). Tile rows outside, column blocks inside: a tile's
 * four V rows stay in L1 while U[ξ] streams through in order.
 */
function winogradProducts(V: usize, U: usize, M: usize, nb: i32, C: i32, OC: i32, TB: i32, points: i32): void {
  const vRow = (<usize>C) << 2;
  const mRow = (<usize>OC) << 2;
  const vPlane = <usize>TB * vRow + PLANE_PAD;
  const mPlane = <usize>TB * mRow + PLANE_PAD;
  const uPlane = ((<usize>(C * OC)) << 2) + PLANE_PAD;
  const oc8 = OC & ~7;
  const block8 = <usize>C << 5; // bytes of one packed 8-column block
  for (let xi = 0; xi < points; xi++) {
    const v = V + <usize>xi * vPlane;
    const m = M + <usize>xi * mPlane;
    const u = U + <usize>xi * uPlane;
    for (let t = 0; t < nb; t += 4) {
      const a0 = v + <usize>t * vRow;
      const c0 = m + <usize>t * mRow;
      let b = u;
      for (let o = 0; o < oc8; o += 8) {
        const ob = (<usize>o) << 2;
        gemmTile4x8(a0, a0 + vRow, a0 + 2 * vRow, a0 + 3 * vRow, b, 32, C, c0 + ob, c0 + mRow + ob, c0 + 2 * mRow + ob, c0 + 3 * mRow + ob);
        b += block8;
      }
      if (oc8 < OC) {
        const ob = (<usize>oc8) << 2;
        gemmTile4x4(a0, a0 + vRow, a0 + 2 * vRow, a0 + 3 * vRow, b, 16, C, c0 + ob, c0 + mRow + ob, c0 + 2 * mRow + ob, c0 + 3 * mRow + ob);
      }
    }
  }
}

/** y for tiles t0..t0+nb-1: A^T M A per tile and 4 output channels, bias/relu as `epi` says, outputs past OH/OW dropped. */
function winogradOutputBlock(M: usize, y: usize, bias: usize, epi: i32, t0: i32, nb: i32, TH: i32, TW: i32, OH: i32, OW: i32, OC: i32, TB: i32): void {
  const pix = (<usize>OC) << 2;
  const row = <usize>OW * pix;
  const plane = <usize>TB * pix + PLANE_PAD;
  const zero = f32x4.splat(0);
  for (let i = 0; i < nb; i++) {
    const t = t0 + i;
    const n = t / (TH * TW);
    const r = t - n * TH * TW;
    const th = r / TW;
    const tw = r - th * TW;
    const right = 2 * tw + 1 < OW;
    const below = 2 * th + 1 < OH;
    const out = y + (<usize>(n * OH + 2 * th)) * row + (<usize>(2 * tw)) * pix;
    const mt = M + <usize>i * pix;
    for (let o: usize = 0; o < pix; o += 16) {
      const q = mt + o;
      // A^T on the rows: s0 = m0 + m1 + m2, s1 = m1 - m2 - m3, per column j.
      let a = v128.load(q), b = v128.load(q + 4 * plane), c = v128.load(q + 8 * plane), d = v128.load(q + 12 * plane);
      const s00 = f32x4.add(f32x4.add(a, b), c), s10 = f32x4.sub(f32x4.sub(b, c), d);
      a = v128.load(q + plane); b = v128.load(q + 5 * plane); c = v128.load(q + 9 * plane); d = v128.load(q + 13 * plane);
      const s01 = f32x4.add(f32x4.add(a, b), c), s11 = f32x4.sub(f32x4.sub(b, c), d);
      a = v128.load(q + 2 * plane); b = v128.load(q + 6 * plane); c = v128.load(q + 10 * plane); d = v128.load(q + 14 * plane);
      const s02 = f32x4.add(f32x4.add(a, b), c), s12 = f32x4.sub(f32x4.sub(b, c), d);
      a = v128.load(q + 3 * plane); b = v128.load(q + 7 * plane); c = v128.load(q + 11 * plane); d = v128.load(q + 15 * plane);
      const s03 = f32x4.add(f32x4.add(a, b), c), s13 = f32x4.sub(f32x4.sub(b, c), d);
      // Then A on the right.
      let y00 = f32x4.add(f32x4.add(s00, s01), s02), y01 = f32x4.sub(f32x4.sub(s01, s02), s03);
      let y10 = f32x4.add(f32x4.add(s10, s11), s12), y11 = f32x4.sub(f32x4.sub(s11, s12), s13);
      if (epi & EPI_BIAS) {
        const bv = v128.load(bias + o);
        y00 = f32x4.add(y00, bv); y01 = f32x4.add(y01, bv); y10 = f32x4.add(y10, bv); y11 = f32x4.add(y11, bv);
      }
      if (epi & EPI_RELU) {
        y00 = f32x4.max(y00, zero); y01 = f32x4.max(y01, zero); y10 = f32x4.max(y10, zero); y11 = f32x4.max(y11, zero);
      }
      const p = out + o;
      v128.store(p, y00);
      if (right) v128.store(p + pix, y01);
      if (below) {
        v128.store(p + row, y10);
        if (right) v128.store(p + row + pix, y11);
      }
    }
  }
}

/**
 * Conv2D 3x3, stride 1, by Winograd: xp [N, Hp, Wp, C] (padded by the caller, with zero rows and
 * columns up to 2*ceil(OH/2) + 2 by 2*ceil(OW/2) + 2), U from winogradFilter -> y [N, OH, OW, OC]
 * (+ bias, relu as `epi` says). V [16, TB, C] and M [16, TB, OC] are scratch; TB % 4 == 0.
 */
export function winogradForward(
  xp: usize, U: usize, y: usize, bias: usize, epi: i32, V: usize, M: usize,
  N: i32, Hp: i32, Wp: i32, C: i32, OH: i32, OW: i32, OC: i32, TB: i32,
): void {
  const TH = (OH + 1) >> 1;
  const TW = (OW + 1) >> 1;
  const T = N * TH * TW;
  for (let t0 = 0; t0 < T; t0 += TB) {
    const nb = min(TB, T - t0);
    winogradInputBlock(xp, V, t0, nb, TH, TW, Hp, Wp, C, TB);
    winogradProducts(V, U, M, nb, C, OC, TB, 16);
    winogradOutputBlock(M, y, bias, epi, t0, nb, TH, TW, OH, OW, OC, TB);
  }
}

/** Z[ξ][tb][o..o+3] = A dY A^T for the 2x2 block of dy at q (entries past OH/OW are zero). */
@inline
function gradTransform4(q: usize, pix: usize, row: usize, right: bool, below: bool, z: usize, plane: usize): void {
  const zero = f32x4.splat(0);
  const y00 = v128.load(q);
  const y01 = right ? v128.load(q + pix) : zero;
  const y10 = below ? v128.load(q + row) : zero;
  const y11 = right && below ? v128.load(q + row + pix) : zero;
  // A on the left (rows): [y0, y0 + y1, y0 - y1, -y1] per column.
  const r00 = y00, r01 = y01;
  const r10 = f32x4.add(y00, y10), r11 = f32x4.add(y01, y11);
  const r20 = f32x4.sub(y00, y10), r21 = f32x4.sub(y01, y11);
  const r30 = f32x4.neg(y10), r31 = f32x4.neg(y11);
  // A^T on the right, row by row.
  v128.store(z, r00);
  v128.store(z + plane, f32x4.add(r00, r01));
  v128.store(z + 2 * plane, f32x4.sub(r00, r01));
  v128.store(z + 3 * plane, f32x4.neg(r01));
  v128.store(z + 4 * plane, r10);
  v128.store(z + 5 * plane, f32x4.add(r10, r11));
  v128.store(z + 6 * plane, f32x4.sub(r10, r11));
  v128.store(z + 7 * plane, f32x4.neg(r11));
  v128.store(z + 8 * plane, r20);
  v128.store(z + 9 * plane, f32x4.add(r20, r21));
  v128.store(z + 10 * plane, f32x4.sub(r20, r21));
  v128.store(z + 11 * plane, f32x4.neg(r21));
  v128.store(z + 12 * plane, r30);
  v128.store(z + 13 * plane, f32x4.add(r30, r31));
  v128.store(z + 14 * plane, f32x4.sub(r30, r31));
  v128.store(z + 15 * plane, f32x4.neg(r31));
}

/** dU[ξ] rows c..c+3, cols o..o+7 += sum over nb tiles of V[ξ][t][c+i] * Z[ξ][t][o..o+7]. */
function gradTile4x8(v: usize, vRow: usize, z: usize, zRow: usize, nb: i32, du: usize, duRow: usize): void {
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
  let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
  let p = v;
  let q = z;
  for (let t = 0; t < nb; t++) {
    const z0 = v128.load(q);
    const z1 = v128.load(q, 16);
    let s = v128.load32_splat(p);
    s00 = madd(s, z0, s00);
    s01 = madd(s, z1, s01);
    s = v128.load32_splat(p, 4);
    s10 = madd(s, z0, s10);
    s11 = madd(s, z1, s11);
    s = v128.load32_splat(p, 8);
    s20 = madd(s, z0, s20);
    s21 = madd(s, z1, s21);
    s = v128.load32_splat(p, 12);
    s30 = madd(s, z0, s30);
    s31 = madd(s, z1, s31);
    p += vRow;
    q += zRow;
  }
  v128.store(du, f32x4.add(v128.load(du), s00));
  v128.store(du, f32x4.add(v128.load(du, 16), s01), 16);
  let r = du + duRow;
  v128.store(r, f32x4.add(v128.load(r), s10));
  v128.store(r, f32x4.add(v128.load(r, 16), s11), 16);
  r += duRow;
  v128.store(r, f32x4.add(v128.load(r), s20));
  v128.store(r, f32x4.add(v128.load(r, 16), s21), 16);
  r += duRow;
  v128.store(r, f32x4.add(v128.load(r), s30));
  v128.store(r, f32x4.add(v128.load(r, 16), s31), 16);
}

/** The same for 4 columns. */
function gradTile4x4(v: usize, vRow: usize, z: usize, zRow: usize, nb: i32, du: usize, duRow: usize): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  let p = v;
  let q = z;
  for (let t = 0; t < nb; t++) {
    const z0 = v128.load(q);
    s0 = madd(v128.load32_splat(p), z0, s0);
    s1 = madd(v128.load32_splat(p, 4), z0, s1);
    s2 = madd(v128.load32_splat(p, 8), z0, s2);
    s3 = madd(v128.load32_splat(p, 12), z0, s3);
    p += vRow;
    q += zRow;
  }
  v128.store(du, f32x4.add(v128.load(du), s0));
  v128.store(du + duRow, f32x4.add(v128.load(du + duRow), s1));
  v128.store(du + 2 * duRow, f32x4.add(v128.load(du + 2 * duRow), s2));
  v128.store(du + 3 * duRow, f32x4.add(v128.load(du + 3 * duRow), s3));
}

/** dU[ξ] (C x OC) += V[ξ]^T Z[ξ] over nb tiles, for each of `points` points. */
function gradProducts(V: usize, Z: usize, dU: usize, nb: i32, C: i32, OC: i32, TB: i32, points: i32): void {
  const vRow = (<usize>C) << 2;
  const zRow = (<usize>OC) << 2;
  const vPlane = <usize>TB * vRow + PLANE_PAD;
  const zPlane = <usize>TB * zRow + PLANE_PAD;
  const uPlane = ((<usize>(C * OC)) << 2) + PLANE_PAD;
  const oc8 = OC & ~7;
  for (let xi = 0; xi < points; xi++) {
    const v = V + <usize>xi * vPlane;
    const z = Z + <usize>xi * zPlane;
    const du = dU + <usize>xi * uPlane;
    for (let c = 0; c < C; c += 4) {
      const vc = v + ((<usize>c) << 2);
      const duc = du + <usize>c * zRow;
      for (let o = 0; o < OC; o += 8) {
        const ob = (<usize>o) << 2;
        if (o < oc8) gradTile4x8(vc, vRow, z + ob, zRow, nb, duc + ob, zRow);
        else gradTile4x4(vc, vRow, z + ob, zRow, nb, duc + ob, zRow);
      }
    }
  }
}

/**
 * Conv2DBackpropFilter 3x3, stride 1, by Winograd: xp [N, Hp, Wp, C] (padded as for
 * winogradForward), dy [N, OH, OW, OC] -> dw [3, 3, C, OC]. V [16, TB, C], Z [16, TB, OC] and
 * dU [16, C, OC] are scratch.
 */
export function winogradFilterGrad(
  xp: usize, dy: usize, dw: usize, V: usize, Z: usize, dU: usize,
  N: i32, Hp: i32, Wp: i32, C: i32, OH: i32, OW: i32, OC: i32, TB: i32,
): void {
  const TH = (OH + 1) >> 1;
  const TW = (OW + 1) >> 1;
  const T = N * TH * TW;
  const zRow = (<usize>OC) << 2;
  const zPlane = <usize>TB * zRow + PLANE_PAD;
  const uPlane = ((<usize>(C * OC)) << 2) + PLANE_PAD;
  const dyRow = <usize>OW * zRow;
  memory.fill(dU, 0, 16 * uPlane);
  const tap = uPlane - PLANE_PAD; // dw's filter taps
  for (let t0 = 0; t0 < T; t0 += TB) {
    const nb = min(TB, T - t0);
    winogradInputBlock(xp, V, t0, nb, TH, TW, Hp, Wp, C, TB);
    for (let i = 0; i < nb; i++) {
      const t = t0 + i;
      const n = t / (TH * TW);
      const r = t - n * TH * TW;
      const th = r / TW;
      const tw = r - th * TW;
      const q = dy + (<usize>(n * OH + 2 * th)) * dyRow + (<usize>(2 * tw)) * zRow;
      const z = Z + <usize>i * zRow;
      const right = 2 * tw + 1 < OW;
      const below = 2 * th + 1 < OH;
      for (let o: usize = 0; o < zRow; o += 16) gradTransform4(q + o, zRow, dyRow, right, below, z + o, zPlane);
    }
    gradProducts(V, Z, dU, nb, C, OC, TB, 16);
  }
  // dw = G^T dU G per (c, o), four output channels at a time.
  const half = f32x4.splat(0.5);
  for (let k: usize = 0; k < tap; k += 16) {
    const u = dU + k;
    // G^T on the rows (4 -> 3): [u0 + (u1 + u2)/2, (u1 - u2)/2, (u1 + u2)/2 + u3], per column j.
    let a = v128.load(u), b = v128.load(u + 4 * uPlane), c = v128.load(u + 8 * uPlane), d = v128.load(u + 12 * uPlane);
    let h = f32x4.mul(f32x4.add(b, c), half);
    const g00 = f32x4.add(a, h), g10 = f32x4.mul(f32x4.sub(b, c), half), g20 = f32x4.add(h, d);
    a = v128.load(u + uPlane); b = v128.load(u + 5 * uPlane); c = v128.load(u + 9 * uPlane); d = v128.load(u + 13 * uPlane);
    h = f32x4.mul(f32x4.add(b, c), half);
    const g01 = f32x4.add(a, h), g11 = f32x4.mul(f32x4.sub(b, c), half), g21 = f32x4.add(h, d);
    a = v128.load(u + 2 * uPlane); b = v128.load(u + 6 * uPlane); c = v128.load(u + 10 * uPlane); d = v128.load(u + 14 * uPlane);
    h = f32x4.mul(f32x4.add(b, c), half);
    const g02 = f32x4.add(a, h), g12 = f32x4.mul(f32x4.sub(b, c), half), g22 = f32x4.add(h, d);
    a = v128.load(u + 3 * uPlane); b = v128.load(u + 7 * uPlane); c = v128.load(u + 11 * uPlane); d = v128.load(u + 15 * uPlane);
    h = f32x4.mul(f32x4.add(b, c), half);
    const g03 = f32x4.add(a, h), g13 = f32x4.mul(f32x4.sub(b, c), half), g23 = f32x4.add(h, d);
    // Then G on the right (columns 4 -> 3), stored at tap (u, v) of dw [3, 3, C, OC].
    const out = dw + k;
    h = f32x4.mul(f32x4.add(g01, g02), half);
    v128.store(out, f32x4.add(g00, h));
    v128.store(out + tap, f32x4.mul(f32x4.sub(g01, g02), half));
    v128.store(out + 2 * tap, f32x4.add(h, g03));
    h = f32x4.mul(f32x4.add(g11, g12), half);
    v128.store(out + 3 * tap, f32x4.add(g10, h));
    v128.store(out + 4 * tap, f32x4.mul(f32x4.sub(g11, g12), half));
    v128.store(out + 5 * tap, f32x4.add(h, g13));
    h = f32x4.mul(f32x4.add(g21, g22), half);
    v128.store(out + 6 * tap, f32x4.add(g20, h));
    v128.store(out + 7 * tap, f32x4.mul(f32x4.sub(g21, g22), half));
    v128.store(out + 8 * tap, f32x4.add(h, g23));
  }
}

// ---------------------------------------------------------------------------------------------
// 1-D Winograd F(m, r) along the width, for convolutions whose filter is one row (the line
// model's conv head: Conv1D is a Conv2D with a [1, r] filter). m outputs of a row from m + r - 1
// = n inputs with n multiplies per channel pair instead of m * r:
//   y = AT [ (G g) ⊙ (BT d) ]
// with AT [m, n], G [n, r], BT [n, n] given as float32 matrices (src/kernels/winograd1d.ts builds
// them from interpolation points). Rows are independent: x is [R, Wp, C] (R = images x rows).
// The transforms are small dense matrix products over 4-channel vectors; the n GEMMs per block of
// tiles are the 2-D kernel's. Tiles are numbered over (row, tile column).
// ---------------------------------------------------------------------------------------------

/**
 * U [n, rows, cols] = G g for every filter row g of w [1, r, C, OC] (taps k at k*C*OC): (rows, cols)
 * = (C, OC), or with flip = 1 the input gradient's g'[k] = g[r-1-k] with (rows, cols) = (OC, C);
 * each plane packed in column blocks (packedIndex).
 */
export function winograd1dFilter(w: usize, U: usize, G: usize, n: i32, r: i32, C: i32, OC: i32, flip: i32): void {
  const tap = (<usize>(C * OC)) << 2;
  const plane = tap + PLANE_PAD;
  // Four filters at a time: four output channels (contiguous in w), or for the input gradient
  // four input channels (the packed rows' contiguous columns), gathered from w.
  // Loops in the packed order (column block, row, its 4-column halves): U's planes are written
  // straight through, not 16 bytes every 6 KB.
  const rows = flip ? OC : C;
  const cols = flip ? C : OC;
  for (let b0 = 0; b0 < cols; b0 += 8) {
   const bEnd = min(cols, b0 + 8);
   for (let a = 0; a < rows; a++) {
    for (let b = b0; b < bEnd; b += 4) {
      const dst = U + ((<usize>packedIndex(a, b, rows, cols)) << 2);
      for (let xi = 0; xi < n; xi++) {
        let acc = f32x4.splat(0);
        for (let k = 0; k < r; k++) {
          let g: v128;
          if (flip) {
            // w[r-1-k][b + i][a] for i = 0..3
            const src = w + <usize>(r - 1 - k) * tap + ((<usize>(b * OC + a)) << 2);
            const step = (<usize>OC) << 2;
            g = f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(v128.load32_zero(src),
              1, load<f32>(src + step)), 2, load<f32>(src + 2 * step)), 3, load<f32>(src + 3 * step));
          } else {
            g = v128.load(w + <usize>k * tap + ((<usize>(a * OC + b)) << 2));
          }
          acc = madd(f32x4.splat(load<f32>(G + ((<usize>(xi * r + k)) << 2))), g, acc);
        }
        v128.store(dst + <usize>xi * plane, acc);
      }
    }
   }
  }
}

/**
 * v[ξ] = sum over j of BT[ξ][j] * d[j] for the 8-point transform (points 0, 1, -1, 2, -2, 1/2,
 * -1/2, infinity; src/kernels/winograd1d.ts solves the same matrix and checks it against these
 * coefficients), in 30 vector operations instead of a dense 8 x 8 product: the rows pair up as
 * even +/- odd parts.
 */
@inline
function inputTransform8(p: usize, pix: usize, v: usize, plane: usize): void {
  const d0 = v128.load(p), d1 = v128.load(p + pix), d2 = v128.load(p + 2 * pix), d3 = v128.load(p + 3 * pix);
  const d4 = v128.load(p + 4 * pix), d5 = v128.load(p + 5 * pix), d6 = v128.load(p + 6 * pix), d7 = v128.load(p + 7 * pix);
  const k525 = f32x4.splat(5.25), k425 = f32x4.splat(4.25), k125 = f32x4.splat(1.25), k25 = f32x4.splat(2.5);
  const k4 = f32x4.splat(4), k2 = f32x4.splat(2), kh = f32x4.splat(0.5), kq = f32x4.splat(0.25);
  // v0 = d6 - d0 + 5.25 (d2 - d4); v7 = d7 - d1 + 5.25 (d3 - d5)
  v128.store(v, madd(f32x4.sub(d2, d4), k525, f32x4.sub(d6, d0)));
  v128.store(v + 7 * plane, madd(f32x4.sub(d3, d5), k525, f32x4.sub(d7, d1)));
  // v1, v2 = (d2 + d6 - 4.25 d4) +/- (d1 + d5 - 4.25 d3)
  let e = f32x4.sub(f32x4.add(d2, d6), f32x4.mul(d4, k425));
  let o = f32x4.sub(f32x4.add(d1, d5), f32x4.mul(d3, k425));
  v128.store(v + plane, f32x4.add(e, o));
  v128.store(v + 2 * plane, f32x4.sub(e, o));
  // v3, v4 = (d6 + 0.25 d2 - 1.25 d4) +/- (0.5 d1 - 2.5 d3 + 2 d5)
  e = f32x4.sub(madd(d2, kq, d6), f32x4.mul(d4, k125));
  o = f32x4.sub(madd(d5, k2, f32x4.mul(d1, kh)), f32x4.mul(d3, k25));
  v128.store(v + 3 * plane, f32x4.add(e, o));
  v128.store(v + 4 * plane, f32x4.sub(e, o));
  // v5, v6 = (d6 + 4 (d2 - 1.25 d4)) +/- (2 d1 - 2.5 d3 + 0.5 d5)
  e = madd(f32x4.sub(d2, f32x4.mul(d4, k125)), k4, d6);
  o = f32x4.sub(madd(d1, k2, f32x4.mul(d5, kh)), f32x4.mul(d3, k25));
  v128.store(v + 5 * plane, f32x4.add(e, o));
  v128.store(v + 6 * plane, f32x4.sub(e, o));
}

/** V[ξ][i][c..] = BT d for tiles t0..t0+nb-1 of the rows of xp [R, Wp, C] (8 points). */
function winograd1dInputBlock(xp: usize, V: usize, t0: i32, nb: i32, TW: i32, Wp: i32, C: i32, TB: i32, m: i32): void {
  const pix = (<usize>C) << 2;
  const plane = ((<usize>(TB * C)) << 2) + PLANE_PAD;
  let row = t0 / TW;
  let tw = t0 - row * TW;
  for (let i = 0; i < nb; i++) {
    const p = xp + (<usize>(row * Wp + tw * m)) * pix;
    const v = V + (<usize>(i * C) << 2);
    for (let c: usize = 0; c < pix; c += 16) inputTransform8(p + c, pix, v + c, plane);
    if (++tw == TW) { tw = 0; row++; }
  }
}

/**
 * y[row, tw*m + j, o..] = sum over ξ of AT[j][ξ] * M[ξ][i][o..] (+ bias, relu), outputs past OW
 * dropped. AT[j] holds the points' j-th powers: with s/d the sums/differences of the products at
 * +/-1, +/-2 and +/-1/2, y_j = [j = 0] M0 + (s1 + 2^j s2 + 2^-j s3, or d1 + 2^j d2 + 2^-j d3 for odd
 * j) + [j = m - 1] M7.
 */
function winograd1dOutputBlock(M: usize, y: usize, bias: usize, epi: i32, t0: i32, nb: i32, TW: i32, OW: i32, OC: i32, TB: i32, m: i32): void {
  const pix = (<usize>OC) << 2;
  const plane = <usize>TB * pix + PLANE_PAD;
  const zero = f32x4.splat(0);
  let row = t0 / TW;
  let tw = t0 - row * TW;
  for (let i = 0; i < nb; i++) {
    const outs = min(m, OW - tw * m);
    const out = y + (<usize>(row * OW + tw * m)) * pix;
    const mt = M + <usize>i * pix;
    for (let o: usize = 0; o < pix; o += 16) {
      const q = mt + o;
      const m0 = v128.load(q), m1 = v128.load(q + plane), m2 = v128.load(q + 2 * plane), m3 = v128.load(q + 3 * plane);
      const m4 = v128.load(q + 4 * plane), m5 = v128.load(q + 5 * plane), m6 = v128.load(q + 6 * plane), m7 = v128.load(q + 7 * plane);
      const s1 = f32x4.add(m1, m2), d1 = f32x4.sub(m1, m2);
      const s2 = f32x4.add(m3, m4), d2 = f32x4.sub(m3, m4);
      const s3 = f32x4.add(m5, m6), d3 = f32x4.sub(m5, m6);
      const b = (epi & EPI_BIAS) ? v128.load(bias + o) : zero;
      let up: f32 = 1; // 2^j
      for (let j = 0; j < outs; j++) {
        const odd = j & 1;
        let acc = madd(odd ? d3 : s3, f32x4.splat(1 / up), madd(odd ? d2 : s2, f32x4.splat(up), odd ? d1 : s1));
        if (j == 0) acc = f32x4.add(acc, m0);
        if (j == m - 1) acc = f32x4.add(acc, m7);
        acc = f32x4.add(acc, b);
        if (epi & EPI_RELU) acc = f32x4.max(acc, zero);
        v128.store(out + <usize>j * pix + o, acc);
        up *= 2;
      }
    }
    if (++tw == TW) { tw = 0; row++; }
  }
}

/**
 * A convolution with a [1, r] filter by Winograd F(m, r): rows of xp [R, Wp, C] (padded by the
 * caller, zeros up to m * ceil(OW/m) + r - 1 columns), U from winograd1dFilter -> y [R, OW, OC]
 * (+ bias, relu as `epi` says). V [n, TB, C] and M [n, TB, OC] are scratch; TB % 4 == 0.
 */
export function winograd1dForward(
  xp: usize, U: usize, y: usize, bias: usize, epi: i32, V: usize, M: usize,
  R: i32, Wp: i32, C: i32, OW: i32, OC: i32, m: i32, TB: i32,
): void {
  const TW = (OW + m - 1) / m;
  const T = R * TW;
  for (let t0 = 0; t0 < T; t0 += TB) {
    const nb = min(TB, T - t0);
    winograd1dInputBlock(xp, V, t0, nb, TW, Wp, C, TB, m);
    winogradProducts(V, U, M, nb, C, OC, TB, 8);
    winograd1dOutputBlock(M, y, bias, epi, t0, nb, TW, OW, OC, TB, m);
  }
}

/**
 * The filter gradient of winograd1dForward: xp [R, Wp, C] (padded as for it), dy [R, OW, OC] ->
 * dw [1, r, C, OC] = G^T [ sum over tiles of (BT d) ⊙ (AT^T dY) ]. V [n, TB, C], Z [n, TB, OC] and
 * dU [n, C, OC] are scratch.
 */
export function winograd1dFilterGrad(
  xp: usize, dy: usize, dw: usize, V: usize, Z: usize, dU: usize, G: usize,
  R: i32, Wp: i32, C: i32, OW: i32, OC: i32, m: i32, r: i32, TB: i32,
): void {
  const TW = (OW + m - 1) / m;
  const T = R * TW;
  const pix = (<usize>OC) << 2;
  const zPlane = <usize>TB * pix + PLANE_PAD;
  const uPlane = ((<usize>(C * OC)) << 2) + PLANE_PAD;
  const n = 8;
  memory.fill(dU, 0, <usize>n * uPlane);
  for (let t0 = 0; t0 < T; t0 += TB) {
    const nb = min(TB, T - t0);
    winograd1dInputBlock(xp, V, t0, nb, TW, Wp, C, TB, m);
    // Z[ξ][i][o..] = sum over j < m of AT[j][ξ] * dy[row, tw*m + j, o..] (dy past OW is zero):
    // Z0 = dy0, Z7 = dy[m-1], and the even/odd sums at the powers of 1, 2 and 1/2.
    let row = t0 / TW;
    let tw = t0 - row * TW;
    for (let i = 0; i < nb; i++) {
      const outs = min(m, OW - tw * m);
      const q = dy + (<usize>(row * OW + tw * m)) * pix;
      const z = Z + <usize>i * pix;
      for (let o: usize = 0; o < pix; o += 16) {
        let e1 = f32x4.splat(0), o1 = f32x4.splat(0), e2 = f32x4.splat(0), o2 = f32x4.splat(0), e3 = f32x4.splat(0), o3 = f32x4.splat(0);
        let up: f32 = 1;
        for (let j = 0; j < outs; j++) {
          const d = v128.load(q + <usize>j * pix + o);
          if (j & 1) {
            o1 = f32x4.add(o1, d); o2 = madd(d, f32x4.splat(up), o2); o3 = madd(d, f32x4.splat(1 / up), o3);
          } else {
            e1 = f32x4.add(e1, d); e2 = madd(d, f32x4.splat(up), e2); e3 = madd(d, f32x4.splat(1 / up), e3);
          }
          up *= 2;
        }
        const zo = z + o;
        v128.store(zo, v128.load(q + o));
        v128.store(zo + zPlane, f32x4.add(e1, o1));
        v128.store(zo + 2 * zPlane, f32x4.sub(e1, o1));
        v128.store(zo + 3 * zPlane, f32x4.add(e2, o2));
        v128.store(zo + 4 * zPlane, f32x4.sub(e2, o2));
        v128.store(zo + 5 * zPlane, f32x4.add(e3, o3));
        v128.store(zo + 6 * zPlane, f32x4.sub(e3, o3));
        v128.store(zo + 7 * zPlane, outs == m ? v128.load(q + <usize>(m - 1) * pix + o) : f32x4.splat(0));
      }
      if (++tw == TW) { tw = 0; row++; }
    }
    gradProducts(V, Z, dU, nb, C, OC, TB, 8);
  }
  // dw[k] = sum over ξ of G[ξ][k] * dU[ξ], four output channels at a time.
  const tap = (<usize>(C * OC)) << 2;
  for (let e: usize = 0; e < tap; e += 16) {
    for (let k = 0; k < r; k++) {
      let acc = f32x4.splat(0);
      for (let xi = 0; xi < n; xi++) {
        const coef = load<f32>(G + ((<usize>(xi * r + k)) << 2));
        if (coef != 0) acc = madd(f32x4.splat(coef), v128.load(dU + <usize>xi * uPlane + e), acc);
      }
      v128.store(dw + <usize>k * tap + e, acc);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// LSTM over a whole sequence (one direction), Keras gate order (i, f, c, o):
//   z_t = zx_t + h_{t-1} U,  i = σ(z_i), f = σ(z_f), g = tanh(z_c), o = σ(z_o)
//   c_t = f c_{t-1} + i g,  h_t = o tanh(c_t)          (h_{-1} = c_{-1} = 0)
// zx = x W + b comes precomputed for every step (one big GEMM outside). σ is Keras' hard sigmoid
// clip(0.2 z + 0.5, 0, 1) (`hard` = 1, tfjs-layers' default) or the logistic function. The step's
// h_{t-1} U is the 4x8-tile GEMM above; the gates run as 4-lane vectors with a vector exp.
// Layouts: zx, gates [B, T, 4H]; h, c, tc (tanh c) [B, T, H]; U [H, 4H]; Ut [4H, H].
// ---------------------------------------------------------------------------------------------

/**
 * e^x for 4 lanes (Cephes' expf: x = n ln2 + r, |r| <= ln2/2, degree-6 polynomial in r, 2^n built
 * in the exponent bits); relative error ~2e-7. x is clamped to [-87.3, 88.3] (finite, normal results).
 */
@inline
function expV(x: v128): v128 {
  const xc = f32x4.min(f32x4.max(x, f32x4.splat(-87.3)), f32x4.splat(88.3));
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let y = f32x4.splat(1.9875691500e-4);
  y = madd(y, r, f32x4.splat(1.3981999507e-3));
  y = madd(y, r, f32x4.splat(8.3334519073e-3));
  y = madd(y, r, f32x4.splat(4.1665795894e-2));
  y = madd(y, r, f32x4.splat(1.6666665459e-1));
  y = madd(y, r, f32x4.splat(5.0000001201e-1));
  y = madd(f32x4.mul(y, r), r, f32x4.add(r, f32x4.splat(1)));
  const pow2 = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(y, pow2);
}

/** tanh for 4 lanes: 1 - 2 / (e^{2x} + 1) (absolute error ~1e-7). */
@inline
function tanhV(x: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.sub(one, f32x4.div(f32x4.splat(2), f32x4.add(expV(f32x4.add(x, x)), one)));
}

/** The recurrent activation σ for 4 lanes: hard sigmoid clip(0.2 z + 0.5, 0, 1), or 1 / (1 + e^-z). */
@inline
function sigmaV(z: v128, hard: i32): v128 {
  if (hard) return f32x4.min(f32x4.max(f32x4.add(f32x4.mul(z, f32x4.splat(0.2)), f32x4.splat(0.5)), f32x4.splat(0)), f32x4.splat(1));
  const one = f32x4.splat(1);
  return f32x4.div(one, f32x4.add(one, expV(f32x4.neg(z))));
}

/** σ'(z) from σ(z) = s: 0.2 inside the hard sigmoid's linear part (0 < s < 1), else 0; or s (1 - s). */
@inline
function sigmaGradV(s: v128, hard: i32): v128 {
  if (hard) {
    const inside = v128.and(f32x4.gt(s, f32x4.splat(0)), f32x4.lt(s, f32x4.splat(1)));
    return v128.and(f32x4.splat(0.2), inside);
  }
  return f32x4.mul(s, f32x4.sub(f32x4.splat(1), s));
}

/** out rows (B of them, `outRow` bytes apart) = rows of a (K long, `aRow` apart) x b [K, N] (`bRow` apart), N % 4 == 0. */
function rowsTimes(a: usize, aRow: usize, b: usize, bRow: usize, out: usize, outRow: usize, B: i32, K: i32, N: i32): void {
  const n8 = N & ~7;
  for (let r = 0; r < B; r += 4) {
    // Rows past B repeat the last one: the same values stored to the same place.
    const r1 = min(r + 1, B - 1), r2 = min(r + 2, B - 1), r3 = min(r + 3, B - 1);
    const a0 = a + <usize>r * aRow, a1 = a + <usize>r1 * aRow, a2 = a + <usize>r2 * aRow, a3 = a + <usize>r3 * aRow;
    const c0 = out + <usize>r * outRow, c1 = out + <usize>r1 * outRow, c2 = out + <usize>r2 * outRow, c3 = out + <usize>r3 * outRow;
    for (let o = 0; o < n8; o += 8) {
      const ob = (<usize>o) << 2;
      gemmTile4x8(a0, a1, a2, a3, b + ob, bRow, K, c0 + ob, c1 + ob, c2 + ob, c3 + ob);
    }
    if (n8 < N) {
      const ob = (<usize>n8) << 2;
      gemmTile4x4(a0, a1, a2, a3, b + ob, bRow, K, c0 + ob, c1 + ob, c2 + ob, c3 + ob);
    }
  }
}

/**
 * Forward over T steps: zx [B, T, 4H], U [H, 4H] -> h, c, tc [B, T, H] and the activated gates
 * [B, T, 4H] (i, f, g, o), kept for the backward pass. H % 4 == 0. With reverse = 1 the steps run
 * from t = T - 1 down to 0 (a bidirectional layer's backward direction), outputs in place.
 */
export function lstmForward(zx: usize, U: usize, h: usize, c: usize, tc: usize, gates: usize, B: i32, T: i32, H: i32, hard: i32, reverse: i32): void {
  const hRow = (<usize>H) << 2; // one step of h, c, tc
  const gRow = hRow << 2; // one step of gates, zx
  const hSeq = <usize>T * hRow; // one sequence of h
  const gSeq = <usize>T * gRow;
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const tPrev = reverse ? t + 1 : t - 1; // the step before in processing order (when s > 0)
    const gt = gates + <usize>t * gRow;
    // gates_t = h_prev U (s > 0), then + zx_t and the activations, in place.
    if (s > 0) rowsTimes(h + <usize>tPrev * hRow, hSeq, U, gRow, gt, gSeq, B, H, 4 * H);
    for (let b = 0; b < B; b++) {
      const g = gt + <usize>b * gSeq;
      const z = zx + <usize>b * gSeq + <usize>t * gRow;
      const off = <usize>b * hSeq + <usize>t * hRow;
      const offPrev = <usize>b * hSeq + <usize>tPrev * hRow;
      for (let j: usize = 0; j < hRow; j += 16) {
        let zi = v128.load(z + j), zf = v128.load(z + hRow + j), zg = v128.load(z + 2 * hRow + j), zo = v128.load(z + 3 * hRow + j);
        if (s > 0) {
          zi = f32x4.add(zi, v128.load(g + j)); zf = f32x4.add(zf, v128.load(g + hRow + j));
          zg = f32x4.add(zg, v128.load(g + 2 * hRow + j)); zo = f32x4.add(zo, v128.load(g + 3 * hRow + j));
        }
        const i = sigmaV(zi, hard), f = sigmaV(zf, hard), gg = tanhV(zg), o = sigmaV(zo, hard);
        let cv = f32x4.mul(i, gg);
        if (s > 0) cv = f32x4.add(f32x4.mul(f, v128.load(c + offPrev + j)), cv);
        const tcv = tanhV(cv);
        v128.store(g + j, i); v128.store(g + hRow + j, f); v128.store(g + 2 * hRow + j, gg); v128.store(g + 3 * hRow + j, o);
        v128.store(c + off + j, cv);
        v128.store(tc + off + j, tcv);
        v128.store(h + off + j, f32x4.mul(o, tcv));
      }
    }
  }
}

/**
 * Backward over T steps, from dh [B, T, H] (the outputs' gradient) and the forward's c, tc and
 * gates: dz [B, T, 4H] (the gradient of zx; the caller gets dW, dU, db and dx from it with GEMMs).
 * Ut is U transposed [4H, H]; dhNext and dcNext are [B, H] scratch. `reverse` as the forward's.
 */
export function lstmBackward(dh: usize, Ut: usize, c: usize, tc: usize, gates: usize, dz: usize, dhNext: usize, dcNext: usize, B: i32, T: i32, H: i32, hard: i32, reverse: i32): void {
  const hRow = (<usize>H) << 2;
  const gRow = hRow << 2;
  const hSeq = <usize>T * hRow;
  const gSeq = <usize>T * gRow;
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    const tPrev = reverse ? t + 1 : t - 1;
    for (let b = 0; b < B; b++) {
      const g = gates + <usize>b * gSeq + <usize>t * gRow;
      const d = dz + <usize>b * gSeq + <usize>t * gRow;
      const off = <usize>b * hSeq + <usize>t * hRow;
      const offPrev = <usize>b * hSeq + <usize>tPrev * hRow;
      const nb = <usize>b * hRow; // this row's dhNext, dcNext
      for (let j: usize = 0; j < hRow; j += 16) {
        let dhv = v128.load(dh + off + j);
        let dcv = zero;
        if (s < T - 1) {
          dhv = f32x4.add(dhv, v128.load(dhNext + nb + j));
          dcv = v128.load(dcNext + nb + j);
        }
        const i = v128.load(g + j), f = v128.load(g + hRow + j), gg = v128.load(g + 2 * hRow + j), o = v128.load(g + 3 * hRow + j);
        const tcv = v128.load(tc + off + j);
        // dc = dh o (1 - tanh(c)^2) + dc from the step after
        dcv = madd(f32x4.mul(dhv, o), f32x4.sub(one, f32x4.mul(tcv, tcv)), dcv);
        const cPrev = s > 0 ? v128.load(c + offPrev + j) : zero;
        v128.store(d + j, f32x4.mul(f32x4.mul(dcv, gg), sigmaGradV(i, hard)));
        v128.store(d + hRow + j, f32x4.mul(f32x4.mul(dcv, cPrev), sigmaGradV(f, hard)));
        v128.store(d + 2 * hRow + j, f32x4.mul(f32x4.mul(dcv, i), f32x4.sub(one, f32x4.mul(gg, gg))));
        v128.store(d + 3 * hRow + j, f32x4.mul(f32x4.mul(dhv, tcv), sigmaGradV(o, hard)));
        v128.store(dcNext + nb + j, f32x4.mul(dcv, f));
      }
    }
    // dh of the step before = dz_t U^T
    if (s > 0) rowsTimes(dz + <usize>t * gRow, gSeq, Ut, hRow, dhNext, hRow, B, 4 * H, H);
  }
}

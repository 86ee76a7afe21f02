/**
 * tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel: the gradient of
 * a convolution w.r.t. its filter throws, so a convolutional discriminator
 * cannot train on wasm at all. Its Conv2DBackpropInput (a convolution's
 * input gradient, and the forward pass of conv2dTranspose) is a naive loop,
 * and the plain cpu backend is far too slow for convolutions (400 s for one
 * DCGAN step at 28×28, batch 64). Both kernels are convolutions in disguise,
 * so this registers them re-expressed as convolutions, plus data-movement
 * kernels that are cheap on wasm (Transpose, Reshape, BatchMatMul). Those
 * convolutions, and the forward Conv2D itself, run as the project's
 * indirect matrix product (convGemm.ts, wasm SIMD on every pool thread)
 * where rows hold 8 or more floats, else on XNNPACK. Every temporary is
 * freed before returning.
 */
import * as tf from '@tensorflow/tfjs';
import { convGemm, convGemmInto, filterRows, gemmFor, phaseRows, type FilterRows } from './convGemm';
import { col2imAdd, im2colT, interleavePhases, transposeNPC, type ConvGeometry } from './im2col';
import { heapOutputs, stockWasmKernel, wrapWasmKernel, type KernelFunc } from './wasmKernels';

/**
 * Up to this many input channels (of the forward convolution) a gradient
 * goes through an im2col matrix and one matrix product instead of an XNNPACK
 * convolution: the matrix is small (KH·KW·Ci rows), while the convolution
 * would re-pack a filter as large as dy on every call. Measured at DCGAN's
 * 28×28 layer, batch 256, two threads: filter gradient 37.9 → 20.9 ms, input
 * gradient 27.0 → 11.2 ms (docs/measured.md, seventh pass).
 */
export const IM2COL_MAX_CHANNELS = 4;

/**
 * The largest im2col matrix built (floats; 128 MiB). It holds KH·KW·Ci
 * values per output position, KH·KW/(sH·sW) times the input: 6 for DCGAN's
 * 5×5 stride-2 layers, but 49 for a 7×7 stride-1 layer, which on a batch of
 * 64 RGB images of 128×128 would need 616 MiB of a heap capped at 4 GiB.
 */
export const IM2COL_MAX_ELEMENTS = 1 << 25;

/** Whether a convolution gradient goes through im2col (see IM2COL_MAX_CHANNELS): few channels and a matrix of bounded size. */
export function useIm2col(ci: number, kh: number, kw: number, outputPositions: number): boolean {
  return ci <= IM2COL_MAX_CHANNELS && kh * kw * ci * outputPositions <= IM2COL_MAX_ELEMENTS;
}

type TensorInfo = tf.TensorInfo;
type Shape4 = [number, number, number, number];
/** Spatial padding [top, bottom, left, right]; a negative side crops instead. */
type Pads = [number, number, number, number];

interface Kernels {
  conv2d: KernelFunc;
  transpose: KernelFunc;
  reshape: KernelFunc;
  slice: KernelFunc;
  matMul: KernelFunc;
  fill: KernelFunc;
}

/**
 * Runs wasm kernels and remembers their outputs, so that one dispose() frees
 * every intermediate; keep() exempts the result handed back to tfjs.
 */
class Scratch {
  private temps: TensorInfo[] = [];
  constructor(
    private readonly backend: tf.KernelBackend,
    private readonly k: Kernels,
  ) {}

  private run(f: KernelFunc, inputs: tf.NamedTensorInfoMap | TensorInfo[], attrs: object): TensorInfo {
    return this.adopt(f({ inputs: inputs as tf.NamedTensorInfoMap, backend: this.backend, attrs: attrs as tf.NamedAttrMap }) as TensorInfo);
  }

  /** A tensor made outside run(), freed with the rest. */
  adopt(out: TensorInfo): TensorInfo {
    this.temps.push(out);
    return out;
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run(this.k.transpose, { x }, { perm });
  }
  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run(this.k.reshape, { x }, { shape });
  }
  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run(this.k.slice, { x }, { begin, size });
  }
  matMul(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run(this.k.matMul, { a, b }, { transposeA: false, transposeB: false });
  }
  constant(values: Float32Array, shape: number[]): TensorInfo {
    const t: TensorInfo = { dataId: this.backend.write(values, shape, 'float32'), shape, dtype: 'float32' };
    this.temps.push(t);
    return t;
  }
  zeros(shape: number[]): TensorInfo {
    return this.run(this.k.fill, {}, { shape, value: 0, dtype: 'float32' });
  }

  /**
   * Stride-1 NHWC convolution with explicit, possibly asymmetric padding
   * (XNNPACK pads for free). A negative pad crops that side of x first: those
   * rows would only ever meet filter taps outside the wanted output. The
   * product (convGemm) needs no crop: its table starts each tap at the
   * first wanted row and never reaches the cropped ones.
   */
  conv(x: TensorInfo, filter: TensorInfo, dilations: [number, number], pads: Pads): TensorInfo {
    const [n, h, w, c] = x.shape;
    const [fh, fw, , co] = filter.shape;
    const crop = pads.map((p) => Math.max(0, -p));
    const [t, b, l, r] = pads.map((p) => Math.max(0, p));
    const ch = h - crop[0] - crop[1];
    const cw = w - crop[2] - crop[3];
    const outH = ch + t + b - (fh - 1) * dilations[0];
    const outW = cw + l + r - (fw - 1) * dilations[1];
    if (outH <= 0 || outW <= 0) throw new Error(`wasmConv: empty convolution output (${outH}×${outW})`);
    // No input row or column left: every output is a sum over zero padding.
    if (ch <= 0 || cw <= 0) return this.zeros([n, outH, outW, co]);
    const gemm = gemmFor(this.backend, c);
    if (gemm) {
      const g = { n, h, w, ci: c, kh: fh, kw: fw, co, sh: 1, sw: 1, dh: dilations[0], dw: dilations[1], top: pads[0], left: pads[2], oh: outH, ow: outW };
      return this.adopt(convGemm(this.backend, gemm, x, filterRows(filter), g));
    }
    const xc = crop.some((v) => v > 0) ? this.slice(x, [0, crop[0], crop[2], 0], [n, ch, cw, c]) : x;
    return this.run(this.k.conv2d, { x: xc, filter }, {
      strides: [1, 1],
      dilations,
      pad: [[0, 0], [t, b], [l, r], [0, 0]],
      dataFormat: 'NHWC',
    });
  }

  /** A new float32 tensor whose values `fill` writes into its heap view (uninitialised before); see heapOutputs. */
  fromHeap(shape: number[], fill: (out: Float32Array, heap: (t: TensorInfo) => Float32Array) => void): TensorInfo {
    const [out] = heapOutputs(this.backend, [shape], ([o], view) => fill(o, view));
    this.temps.push(out);
    return out;
  }

  /** Hands t to the caller: dispose() will not free it. */
  keep(t: TensorInfo): TensorInfo {
    const i = this.temps.lastIndexOf(t);
    if (i >= 0) this.temps.splice(i, 1);
    return t;
  }

  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps = [];
  }
}

/** Attributes this module cannot honour get an error, never a wrong answer. */
function checkSupported(kernel: string, attrs: { dataFormat?: string; dilations?: number | number[] }): void {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new Error(`${kernel} on wasm supports dataFormat 'NHWC' only, got '${attrs.dataFormat}'`);
  }
  const d = attrs.dilations;
  if (d !== undefined && (Array.isArray(d) ? d : [d]).some((v) => v !== 1)) {
    throw new Error(`${kernel} on wasm supports dilations of 1 only, got ${JSON.stringify(d)}`);
  }
}

type BackpropAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | number[];
};

/**
 * dF[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·sH+kh−top, ow·sW+kw−left, ci] · dy[n,oh,ow,co].
 *
 * It is a convolution of x with channels and batch swapped ([Ci,H,W,N],
 * transposed on the heap: wasm's Transpose takes twice as long) by dy used as
 * the filter (tap (oh, ow), channel n), the forward strides becoming
 * dilations; its output [Ci,KH,KW,Co] is transposed to the filter's layout.
 * With a batch of 8 or more that convolution is convGemm's indirect
 * product, which reads dy in place (any channel count: DCGAN's 1-channel
 * layer at batch 256 went 29 → 6 ms a call).
 *
 * Smaller batches: with few input channels, the transposed im2col matrix of
 * x ([KH·KW·Ci, M], M = N·OH·OW) times dy as [M, Co] is dF in the filter's
 * layout; otherwise the convolution above on XNNPACK, dy transposed to
 * [OH,OW,N,Co].
 */
function backpropFilter(k: Kernels): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as BackpropAttrs & { filterShape: Shape4 };
    checkSupported('Conv2DBackpropFilter', a);
    const [n, h, w, ci] = x.shape;
    const [, oh, ow, co] = dy.shape;
    const [kh, kw] = a.filterShape;
    const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
    const { strideHeight: sh, strideWidth: sw } = info;
    const { top, left } = info.padInfo;
    const s = new Scratch(backend as tf.KernelBackend, k);
    // x with batch and channels swapped, [Ci,H,W,N]: the convolution's input on either path below.
    const transposedX = () => s.fromHeap([ci, h, w, n], (out, heap) => transposeNPC(heap(x), n, h * w, ci, out));
    try {
      const gemm = gemmFor(backend, n);
      if (gemm) {
        // dy itself is the filter: tap (oh, ow), row n at dy[n, oh, ow, ·].
        const xt = transposedX();
        const rows: FilterRows = { tensor: dy, tapStride: 4 * co, rowStride: 4 * oh * ow * co };
        const g = { n: ci, h, w, ci: n, kh: oh, kw: ow, co, sh: 1, sw: 1, dh: sh, dw: sw, top, left, oh: kh, ow: kw };
        return s.keep(s.transpose(s.adopt(convGemm(backend as tf.KernelBackend, gemm, xt, rows, g)), [1, 2, 0, 3]));
      }
      if (useIm2col(ci, kh, kw, n * oh * ow)) {
        const g: ConvGeometry = { n, h, w, ci, kh, kw, sh, sw, top, left, oh, ow };
        const m = n * oh * ow;
        const cols = s.fromHeap([1, kh * kw * ci, m], (out, heap) => im2colT(heap(x), g, out));
        return s.keep(s.reshape(s.matMul(cols, s.reshape(dy, [1, m, co])), a.filterShape));
      }
      const xt = transposedX();
      const dyt = s.transpose(dy, [1, 2, 0, 3]);
      // Bottom/right padding sized so that the output is exactly KH×KW.
      const g = s.conv(xt, dyt, [sh, sw], [top, kh + (oh - 1) * sh - h - top, left, kw + (ow - 1) * sw - w - left]);
      return s.keep(s.transpose(g, [1, 2, 0, 3]));
    } finally {
      s.dispose();
    }
  };
}

/** One output phase along an axis: taps kh ≡ r (mod s), output rows shifted by c. */
function phase(p: number, pad: number, stride: number, k: number): { r: number; c: number; taps: number } {
  const r = (p + pad) % stride;
  return { r, c: Math.floor((p + pad) / stride), taps: r < k ? Math.ceil((k - r) / stride) : 0 };
}

/**
 * dx[n,h,w,ci] = Σ dy[n,oh,ow,co] · f[kh,kw,ci,co] over oh·sH+kh = h+top (same
 * for w). With few input channels Ci (a 1-channel image's layer) it is one
 * matrix product, dy[M, Co] · filterᵀ[Co, KH·KW·Ci], whose rows are summed
 * back onto the image (col2im). Otherwise, for stride 1 it is one convolution of dy with the spatially
 * flipped filter, in/out channels swapped. For stride s, output rows
 * h = q·s+p (phase p) only meet taps kh ≡ (p+top) mod s, so each of the s²
 * phases is a stride-1 convolution of the undilated dy with those taps,
 * flipped: the MACs the usual "dilate dy with zeros" form spends on zeros
 * (¾ of them at stride 2) are never done. The phases are interleaved into
 * dx on the heap, rows and columns past inputShape dropped.
 *
 * Each phase's flipped taps are picked from the filter's [Co,Ci] rows by a
 * product with a 0/1 selection matrix (XNNPACK, well under a millisecond):
 * on wasm, Reverse, StridedSlice and GatherV2 move one element at a time and
 * Slice copies its whole input first, each costing more than the
 * convolutions themselves (5–17 ms for a 5×5×64×128 filter). (A filter
 * already holding ±Inf gets NaN beside it this way, 0·Inf: its outputs
 * would not be finite anyway.)
 *
 * With 8 or more output channels Co, each phase is convGemm's indirect
 * product, whose row table scatters the phase's rows straight into dx: no
 * phase tensors and no interleaving pass (batch 256, DCGAN's 7→14 layer: 77
 * → 68 ms a call).
 */
function backpropInput(k: Kernels, stock: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const a = attrs as unknown as BackpropAttrs & { inputShape: Shape4 };
    // The stock loop handles NCHW (which wasm Conv2D itself cannot run).
    if (a.dataFormat === 'NCHW') return stock(args);
    checkSupported('Conv2DBackpropInput', a);
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const [n, h, w, ci] = a.inputShape;
    const [kh, kw, , co] = filter.shape;
    const [, oh, ow] = dy.shape;
    const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape as Shape4, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
    const { strideHeight: sh, strideWidth: sw } = info;
    const { top, left } = info.padInfo;
    const qh = Math.ceil(h / sh);
    const qw = Math.ceil(w / sw);
    const s = new Scratch(backend as tf.KernelBackend, k);
    try {
      if (useIm2col(ci, kh, kw, n * oh * ow)) {
        // Few output channels: cols = dy[M, Co] · filterᵀ[Co, KH·KW·Ci], summed back onto the image.
        const g: ConvGeometry = { n, h, w, ci, kh, kw, sh, sw, top, left, oh, ow };
        const m = n * oh * ow;
        const ft = s.transpose(s.reshape(filter, [1, kh * kw * ci, co]), [0, 2, 1]);
        const cols = s.matMul(s.reshape(dy, [1, m, co]), ft);
        return s.keep(s.fromHeap([n, h, w, ci], (out, heap) => col2imAdd(heap(cols), g, out)));
      }
      // rows[kh·KW+kw] = f[kh,kw] as a [Co,Ci] block
      const rows = s.reshape(s.transpose(filter, [0, 1, 3, 2]), [1, kh * kw, co * ci]);
      // Many output channels, strided: each phase's product writes its rows straight into dx.
      const gemm = sh * sw > 1 ? gemmFor(backend, co) : null;
      const phases: { p: number; q: number; ph: ReturnType<typeof phase>; pw: ReturnType<typeof phase> }[] = [];
      for (let p = 0; p < sh; p++) for (let q = 0; q < sw; q++) phases.push({ p, q, ph: phase(p, top, sh, kh), pw: phase(q, left, sw, kw) });
      const reached = (f: (typeof phases)[number]) => f.ph.taps > 0 && f.pw.taps > 0;
      const dx = gemm ? s.fromHeap([n, h, w, ci], (out) => (phases.every(reached) ? undefined : out.fill(0))) : null;
      // One per phase (p, q), row-major; null where no tap lands (kernel narrower than the stride).
      const outs: (TensorInfo | null)[] = [];
      for (const f of phases) {
        const { p, q, ph, pw } = f;
        if (!reached(f)) {
          outs.push(null);
          continue;
        }
        // Tap (a,b) of the sub-filter is f[r + (J−1−a)·s, …]: flipped.
        const select = new Float32Array(ph.taps * pw.taps * kh * kw);
        for (let i = 0; i < ph.taps; i++) {
          for (let j = 0; j < pw.taps; j++) {
            const row = (ph.r + (ph.taps - 1 - i) * sh) * kw + pw.r + (pw.taps - 1 - j) * sw;
            select[(i * pw.taps + j) * kh * kw + row] = 1;
          }
        }
        const sub = s.reshape(s.matMul(s.constant(select, [1, ph.taps * pw.taps, kh * kw]), rows), [ph.taps, pw.taps, co, ci]);
        if (gemm && dx) {
          const g = { n, h: oh, w: ow, ci: co, kh: ph.taps, kw: pw.taps, co: ci, sh: 1, sw: 1, dh: 1, dw: 1, top: ph.taps - 1 - ph.c, left: pw.taps - 1 - pw.c, oh: qh, ow: qw };
          const scatter = { key: [n, h, w, ci, qh, qw, sh, sw, p, q].join(','), offsets: () => phaseRows(n, qh, qw, sh, sw, p, q, h, w, ci) };
          convGemmInto(backend as tf.KernelBackend, gemm, dy, filterRows(sub), g, dx, scatter);
          continue;
        }
        outs.push(s.conv(dy, sub, [1, 1], [ph.taps - 1 - ph.c, qh + ph.c - oh, pw.taps - 1 - pw.c, qw + pw.c - ow]));
      }
      if (dx) return s.keep(dx);
      if (outs.length === 1 && outs[0]) return s.keep(outs[0]); // stride 1: qh = H, qw = W
      // Phases interleaved on the heap: as fast as a Concat and two Transposes (96 ms either way at
      // batch 256) without their three activation-sized temporaries.
      return s.keep(s.fromHeap([n, h, w, ci], (out, heap) => interleavePhases(outs.map((o) => o && heap(o)), n, qh, qw, sh, sw, ci, h, w, out)));
    } finally {
      s.dispose();
    }
  };
}

/**
 * The forward convolution: through convGemm where it takes the layer (enough
 * input channels), else tfjs's XNNPACK kernel. Measured at DCGAN's 64→128
 * layer, batch 256, 2-core VM: see bench/conv-gemm.ts.
 */
function forward(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    const a = args.attrs as unknown as BackpropAttrs;
    const ci = x.shape[3];
    const gemm = a.dataFormat === 'NHWC' ? gemmFor(args.backend, ci) : null;
    if (!gemm) return stock(args);
    const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, a.strides, (a.dilations ?? 1) as number | [number, number], a.pad, a.dimRoundingMode, false, 'channelsLast');
    const g = {
      n: info.batchSize, h: info.inHeight, w: info.inWidth, ci, kh: info.filterHeight, kw: info.filterWidth, co: info.outChannels,
      sh: info.strideHeight, sw: info.strideWidth, dh: info.dilationHeight, dw: info.dilationWidth,
      top: info.padInfo.top, left: info.padInfo.left, oh: info.outHeight, ow: info.outWidth,
    };
    return convGemm(args.backend as tf.KernelBackend, gemm, x, filterRows(filter), g);
  };
}

let installed = false;

export function installWasmConv(): void {
  if (installed) return;
  const get = stockWasmKernel;
  const conv2d = get('Conv2D');
  if (!get('Conv2DBackpropInput') || !conv2d) return; // wasm backend not loaded
  const k: Kernels = {
    conv2d,
    transpose: get('Transpose')!,
    reshape: get('Reshape')!,
    slice: get('Slice')!,
    matMul: get('BatchMatMul')!,
    fill: get('Fill')!,
  };

  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: backpropFilter(k) });

  wrapWasmKernel('Conv2DBackpropInput', (stock) => backpropInput(k, stock));
  wrapWasmKernel('Conv2D', forward);
  installed = true;
}

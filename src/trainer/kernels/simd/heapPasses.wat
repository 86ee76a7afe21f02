;; Passes over float32 tensors on tfjs-backend-wasm's heap, in 128-bit wasm
;; SIMD. Most see a [rows, cols] matrix with one value per column (channel):
;; the loops of batch norm (kernels/wasmBatchNorm.ts), the column sums of
;; kernels/wasmColumnReduce.ts and the one-output weight gradient of
;; kernels/wasmMatMul.ts; for those cols must be a multiple of 4 (the caller
;; falls back to JS loops otherwise). The activations' passes
;; (kernels/wasmActivations.ts) and the optimizer updates
;; (kernels/fusedOptimizers.ts) take any element count. Every pointer is a
;; byte offset into the heap; nothing needs to be aligned.
;;
;; The sums run in float32 over blocks of at most 64 rows and are then added
;; into float64 totals, so a column of 50,000 values keeps about float64's
;; accuracy at float32's speed.
;;
;; scripts/build-wasm.ts compiles this file twice (the memory import shared,
;; for the threaded build, and not) into heapPassesWasm.ts; a test checks
;; that file is up to date.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; s[c] += blk[c] (float64 += float32), then blk[c] = 0, for c < cols.
  (func $flush (param $blk i32) (param $s i32) (param $cols i32)
    (local $c i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $c) (local.get $cols)))
        (f64.store (local.get $s)
          (f64.add (f64.load (local.get $s)) (f64.promote_f32 (f32.load (local.get $blk)))))
        (f32.store (local.get $blk) (f32.const 0))
        (local.set $blk (i32.add (local.get $blk) (i32.const 4)))
        (local.set $s (i32.add (local.get $s) (i32.const 8)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $next))))

  ;; Zero the two float32 blocks (2·cols at blk) and the two float64 totals.
  (func $start (param $blk i32) (param $s1 i32) (param $s2 i32) (param $cols i32)
    (memory.fill (local.get $blk) (i32.const 0) (i32.shl (local.get $cols) (i32.const 3)))
    (memory.fill (local.get $s1) (i32.const 0) (i32.shl (local.get $cols) (i32.const 3)))
    (memory.fill (local.get $s2) (i32.const 0) (i32.shl (local.get $cols) (i32.const 3))))

  ;; After row r (counted from 1): flush both blocks every 64 rows and after the last.
  (func $maybeFlush (param $r i32) (param $rows i32) (param $blk i32) (param $s1 i32) (param $s2 i32) (param $cols i32)
    (if (i32.or (i32.eqz (i32.and (local.get $r) (i32.const 63))) (i32.eq (local.get $r) (local.get $rows)))
      (then
        (call $flush (local.get $blk) (local.get $s1) (local.get $cols))
        (call $flush (i32.add (local.get $blk) (i32.shl (local.get $cols) (i32.const 2))) (local.get $s2) (local.get $cols)))))

  ;; With d = x − shift per column: s1 = Σ d, s2 = Σ d² (float64, cols each).
  ;; blk: scratch for 2·cols float32.
  (func (export "moments")
    (param $x i32) (param $shift i32) (param $rows i32) (param $cols i32)
    (param $blk i32) (param $s1 i32) (param $s2 i32)
    (local $rowBytes i32) (local $b2 i32) (local $r i32) (local $c i32) (local $d v128)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $b2 (i32.add (local.get $blk) (local.get $rowBytes)))
    (call $start (local.get $blk) (local.get $s1) (local.get $s2) (local.get $cols))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $rowDone
          (loop $col
            (br_if $rowDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
            (local.set $d
              (f32x4.sub
                (v128.load (i32.add (local.get $x) (local.get $c)))
                (v128.load (i32.add (local.get $shift) (local.get $c)))))
            (v128.store (i32.add (local.get $blk) (local.get $c))
              (f32x4.add (v128.load (i32.add (local.get $blk) (local.get $c))) (local.get $d)))
            (v128.store (i32.add (local.get $b2) (local.get $c))
              (f32x4.add (v128.load (i32.add (local.get $b2) (local.get $c)))
                (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $col)))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (call $maybeFlush (local.get $r) (local.get $rows) (local.get $blk) (local.get $s1) (local.get $s2) (local.get $cols))
        (br $row))))

  ;; With d = x − shift per column: s1 = Σ g, s2 = Σ g·d (float64, cols each).
  ;; blk: scratch for 2·cols float32.
  (func (export "crossSums")
    (param $g i32) (param $x i32) (param $shift i32) (param $rows i32) (param $cols i32)
    (param $blk i32) (param $s1 i32) (param $s2 i32)
    (local $rowBytes i32) (local $b2 i32) (local $r i32) (local $c i32) (local $gv v128)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $b2 (i32.add (local.get $blk) (local.get $rowBytes)))
    (call $start (local.get $blk) (local.get $s1) (local.get $s2) (local.get $cols))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $rowDone
          (loop $col
            (br_if $rowDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
            (local.set $gv (v128.load (i32.add (local.get $g) (local.get $c))))
            (v128.store (i32.add (local.get $blk) (local.get $c))
              (f32x4.add (v128.load (i32.add (local.get $blk) (local.get $c))) (local.get $gv)))
            (v128.store (i32.add (local.get $b2) (local.get $c))
              (f32x4.add (v128.load (i32.add (local.get $b2) (local.get $c)))
                (f32x4.mul (local.get $gv)
                  (f32x4.sub
                    (v128.load (i32.add (local.get $x) (local.get $c)))
                    (v128.load (i32.add (local.get $shift) (local.get $c)))))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $col)))
        (local.set $g (i32.add (local.get $g) (local.get $rowBytes)))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (call $maybeFlush (local.get $r) (local.get $rows) (local.get $blk) (local.get $s1) (local.get $s2) (local.get $cols))
        (br $row))))

  ;; acc[c] = Σ_r x[r, c], added up in float32 from row 0 to the last: each lane
  ;; is one column, so every sum keeps the order and rounding of tfjs's Sum
  ;; (kernels/wasmColumnReduce.ts). acc: cols float32, overwritten.
  (func (export "columnSums") (param $x i32) (param $rows i32) (param $cols i32) (param $acc i32)
    (local $rowBytes i32) (local $r i32) (local $c i32)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (memory.fill (local.get $acc) (i32.const 0) (local.get $rowBytes))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $rowDone
          (loop $col
            (br_if $rowDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
            (v128.store (i32.add (local.get $acc) (local.get $c))
              (f32x4.add
                (v128.load (i32.add (local.get $acc) (local.get $c)))
                (v128.load (i32.add (local.get $x) (local.get $c)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $col)))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; out = xᵀ: x [rows, cols] to out [cols, rows] (float32; out apart from x).
  ;; 4 × 4 blocks go through registers (two rounds of shuffles), the ragged
  ;; right columns and bottom rows one float at a time. Only moves: the bits
  ;; are x's. The transposed operands of a dense layer's gradients
  ;; (kernels/wasmMatMul.ts), where tfjs's own Transpose ran at about 1 GB/s.
  (func (export "transpose") (param $x i32) (param $rows i32) (param $cols i32) (param $out i32)
    (local $r i32) (local $c i32) (local $r4 i32) (local $c4 i32) (local $p i32) (local $q i32)
    (local $xr i32) (local $or i32) (local $a v128) (local $b v128) (local $cc v128) (local $d v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $xr (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $or (i32.shl (local.get $rows) (i32.const 2)))
    (local.set $r4 (i32.and (local.get $rows) (i32.const -4)))
    (local.set $c4 (i32.and (local.get $cols) (i32.const -4)))
    (block $blocksDone
      (loop $blockRows
        (br_if $blocksDone (i32.ge_u (local.get $r) (local.get $r4)))
        (local.set $c (i32.const 0))
        (block $rowDone
          (loop $blockCols
            (br_if $rowDone (i32.ge_u (local.get $c) (local.get $c4)))
            ;; p: x[r, c]; q: out[c, r]
            (local.set $p (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2))))
            (local.set $q (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $rows)) (local.get $r)) (i32.const 2))))
            (local.set $a (v128.load (local.get $p)))
            (local.set $b (v128.load (i32.add (local.get $p) (local.get $xr))))
            (local.set $cc (v128.load (i32.add (local.get $p) (i32.shl (local.get $xr) (i32.const 1)))))
            (local.set $d (v128.load (i32.add (local.get $p) (i32.mul (local.get $xr) (i32.const 3)))))
            ;; a0 b0 a1 b1, a2 b2 a3 b3, c0 d0 c1 d1, c2 d2 c3 d3
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
            (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
            (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $cc) (local.get $d)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $cc) (local.get $d)))
            ;; a0 b0 c0 d0, a1 b1 c1 d1, a2 b2 c2 d2, a3 b3 c3 d3
            (v128.store (local.get $q) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
            (v128.store (i32.add (local.get $q) (local.get $or)) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
            (v128.store (i32.add (local.get $q) (i32.shl (local.get $or) (i32.const 1))) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
            (v128.store (i32.add (local.get $q) (i32.mul (local.get $or) (i32.const 3))) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $blockCols)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $blockRows)))
    ;; Columns c4… of every row, then rows r4… of the first c4 columns.
    (local.set $r (i32.const 0))
    (block $edgeDone
      (loop $edgeRows
        (br_if $edgeDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (select (i32.const 0) (local.get $c4) (i32.ge_u (local.get $r) (local.get $r4))))
        (block $edgeRowDone
          (loop $edgeCols
            (br_if $edgeRowDone (i32.ge_u (local.get $c) (local.get $cols)))
            (f32.store
              (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $rows)) (local.get $r)) (i32.const 2)))
              (f32.load (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2)))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $edgeCols)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $edgeRows))))

  ;; acc[c] = Σ_r x[r, c]·w[r] (w: rows float32), added up in float32 row by
  ;; row: xᵀ·w, the weight gradient of a layer with one output (kernels/wasmMatMul.ts).
  (func (export "weightedColumnSums") (param $x i32) (param $w i32) (param $rows i32) (param $cols i32) (param $acc i32)
    (local $rowBytes i32) (local $r i32) (local $c i32) (local $wr v128)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (memory.fill (local.get $acc) (i32.const 0) (local.get $rowBytes))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $wr (v128.load32_splat (local.get $w)))
        (local.set $c (i32.const 0))
        (block $rowDone
          (loop $col
            (br_if $rowDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
            (v128.store (i32.add (local.get $acc) (local.get $c))
              (f32x4.add
                (v128.load (i32.add (local.get $acc) (local.get $c)))
                (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $c))) (local.get $wr))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $col)))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $w (i32.add (local.get $w) (i32.const 4)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; y = (x − s)·a + b per column (s, a, b: cols float32). y may be x.
  (func (export "affine")
    (param $x i32) (param $s i32) (param $a i32) (param $b i32) (param $y i32) (param $rows i32) (param $cols i32)
    (local $rowBytes i32) (local $r i32) (local $c i32)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $rowDone
          (loop $col
            (br_if $rowDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
            (v128.store (i32.add (local.get $y) (local.get $c))
              (f32x4.add
                (f32x4.mul
                  (f32x4.sub
                    (v128.load (i32.add (local.get $x) (local.get $c)))
                    (v128.load (i32.add (local.get $s) (local.get $c))))
                  (v128.load (i32.add (local.get $a) (local.get $c))))
                (v128.load (i32.add (local.get $b) (local.get $c)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $col)))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $y (i32.add (local.get $y) (local.get $rowBytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; out = g·a + (x − s)·b + k per column (s, a, b, k: cols float32).
  (func (export "affine2")
    (param $g i32) (param $x i32) (param $s i32) (param $a i32) (param $b i32) (param $k i32) (param $out i32)
    (param $rows i32) (param $cols i32)
    (local $rowBytes i32) (local $r i32) (local $c i32)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $rowDone
          (loop $col
            (br_if $rowDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
            (v128.store (i32.add (local.get $out) (local.get $c))
              (f32x4.add
                (f32x4.add
                  (f32x4.mul
                    (v128.load (i32.add (local.get $g) (local.get $c)))
                    (v128.load (i32.add (local.get $a) (local.get $c))))
                  (f32x4.mul
                    (f32x4.sub
                      (v128.load (i32.add (local.get $x) (local.get $c)))
                      (v128.load (i32.add (local.get $s) (local.get $c))))
                    (v128.load (i32.add (local.get $b) (local.get $c)))))
                (v128.load (i32.add (local.get $k) (local.get $c)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $col)))
        (local.set $g (i32.add (local.get $g) (local.get $rowBytes)))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $out (i32.add (local.get $out) (local.get $rowBytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; y = max(x, 0) + min(x, 0)·α over n elements: LeakyReLU, and ReLU with α = 0.
  ;; One of the two terms is always ±0, so each result is exact (ReLU's is +0
  ;; for x ≤ 0, as tfjs's Relu gives). y may be x.
  (func (export "leakyRelu") (param $x i32) (param $y i32) (param $n i32) (param $alpha f32)
    (local $end i32) (local $vecEnd i32) (local $av v128) (local $v v128) (local $s f32)
    (local.set $av (f32x4.splat (local.get $alpha)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vecEnd (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $vd
      (loop $v4
        (br_if $vd (i32.ge_u (local.get $x) (local.get $vecEnd)))
        (local.set $v (v128.load (local.get $x)))
        (v128.store (local.get $y)
          (f32x4.add
            (f32x4.max (local.get $v) (v128.const f32x4 0 0 0 0))
            (f32x4.mul (f32x4.min (local.get $v) (v128.const f32x4 0 0 0 0)) (local.get $av))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br $v4)))
    (block $sd
      (loop $s1
        (br_if $sd (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $s (f32.load (local.get $x)))
        (f32.store (local.get $y)
          (f32.add
            (f32.max (local.get $s) (f32.const 0))
            (f32.mul (f32.min (local.get $s) (f32.const 0)) (local.get $alpha))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (br $s1))))

  ;; dx = x > 0 ? dy : dy·α over n elements: the gradient of leakyRelu (ReLU's
  ;; with α = 0, dy·0 as tfjs's dy·step(x) gives).
  (func (export "leakyReluGrad") (param $dy i32) (param $x i32) (param $dx i32) (param $n i32) (param $alpha f32)
    (local $end i32) (local $vecEnd i32) (local $av v128) (local $g v128) (local $gs f32)
    (local.set $av (f32x4.splat (local.get $alpha)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vecEnd (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $vd
      (loop $v4
        (br_if $vd (i32.ge_u (local.get $x) (local.get $vecEnd)))
        (local.set $g (v128.load (local.get $dy)))
        (v128.store (local.get $dx)
          (v128.bitselect
            (local.get $g)
            (f32x4.mul (local.get $g) (local.get $av))
            (f32x4.gt (v128.load (local.get $x)) (v128.const f32x4 0 0 0 0))))
        (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $dx (i32.add (local.get $dx) (i32.const 16)))
        (br $v4)))
    (block $sd
      (loop $s1
        (br_if $sd (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $gs (f32.load (local.get $dy)))
        (f32.store (local.get $dx)
          (select
            (local.get $gs)
            (f32.mul (local.get $gs) (local.get $alpha))
            (f32.gt (f32.load (local.get $x)) (f32.const 0))))
        (local.set $dy (i32.add (local.get $dy) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $dx (i32.add (local.get $dx) (i32.const 4)))
        (br $s1))))

  ;; The optimizer updates of kernels/fusedOptimizers.ts over n elements, each
  ;; float32 operation in the order of its JS loop (and of tfjs's ops), so the
  ;; results are bit for bit the same: +, −, ×, ÷ and √ round correctly in
  ;; both. Pointers index every array with one byte offset $i.

  ;; Adam: m' = β1·m + (1−β1)·g, v' = β2·v + (1−β2)·g²,
  ;; θ' = ((m'/c1) / (√(v'/c2) + ε))·(−lr) + θ.
  (func (export "adam")
    (param $value i32) (param $grad i32) (param $m i32) (param $v i32)
    (param $outValue i32) (param $outM i32) (param $outV i32) (param $n i32)
    (param $b1 f32) (param $b2 f32) (param $g1 f32) (param $g2 f32)
    (param $c1 f32) (param $c2 f32) (param $eps f32) (param $negLr f32)
    (local $i i32) (local $vecEnd i32) (local $end i32)
    (local $g v128) (local $mi v128) (local $vi v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $vd
      (loop $v4
        (br_if $vd (i32.ge_u (local.get $i) (local.get $vecEnd)))
        (local.set $g (v128.load (i32.add (local.get $grad) (local.get $i))))
        (local.set $mi
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (f32x4.splat (local.get $b1)))
            (f32x4.mul (local.get $g) (f32x4.splat (local.get $g1)))))
        (local.set $vi
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (f32x4.splat (local.get $b2)))
            (f32x4.mul (f32x4.mul (local.get $g) (local.get $g)) (f32x4.splat (local.get $g2)))))
        (v128.store (i32.add (local.get $outM) (local.get $i)) (local.get $mi))
        (v128.store (i32.add (local.get $outV) (local.get $i)) (local.get $vi))
        (v128.store (i32.add (local.get $outValue) (local.get $i))
          (f32x4.add
            (f32x4.mul
              (f32x4.div
                (f32x4.div (local.get $mi) (f32x4.splat (local.get $c1)))
                (f32x4.add
                  (f32x4.sqrt (f32x4.div (local.get $vi) (f32x4.splat (local.get $c2))))
                  (f32x4.splat (local.get $eps))))
              (f32x4.splat (local.get $negLr)))
            (v128.load (i32.add (local.get $value) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $v4)))
    (block $sd
      (loop $s1
        (br_if $sd (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gs (f32.load (i32.add (local.get $grad) (local.get $i))))
        (local.set $ms
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $m) (local.get $i))) (local.get $b1))
            (f32.mul (local.get $gs) (local.get $g1))))
        (local.set $vs
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $v) (local.get $i))) (local.get $b2))
            (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $g2))))
        (f32.store (i32.add (local.get $outM) (local.get $i)) (local.get $ms))
        (f32.store (i32.add (local.get $outV) (local.get $i)) (local.get $vs))
        (f32.store (i32.add (local.get $outValue) (local.get $i))
          (f32.add
            (f32.mul
              (f32.div
                (f32.div (local.get $ms) (local.get $c1))
                (f32.add (f32.sqrt (f32.div (local.get $vs) (local.get $c2))) (local.get $eps)))
              (local.get $negLr))
            (f32.load (i32.add (local.get $value) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $s1))))

  ;; RMSProp (tfjs's non-centred form): ms' = ρ·ms + (1−ρ)·g²,
  ;; mom' = μ·mom + (g·lr)/√(ms' + ε), θ' = θ − mom'.
  (func (export "rmsprop")
    (param $value i32) (param $grad i32) (param $ms i32) (param $mom i32)
    (param $outValue i32) (param $outMs i32) (param $outMom i32) (param $n i32)
    (param $rho f32) (param $oneMinusRho f32) (param $mu f32) (param $lr f32) (param $eps f32)
    (local $i i32) (local $vecEnd i32) (local $end i32)
    (local $g v128) (local $si v128) (local $mi v128)
    (local $gs f32) (local $ss f32) (local $mm f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $vd
      (loop $v4
        (br_if $vd (i32.ge_u (local.get $i) (local.get $vecEnd)))
        (local.set $g (v128.load (i32.add (local.get $grad) (local.get $i))))
        (local.set $si
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $ms) (local.get $i))) (f32x4.splat (local.get $rho)))
            (f32x4.mul (f32x4.mul (local.get $g) (local.get $g)) (f32x4.splat (local.get $oneMinusRho)))))
        (local.set $mi
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $mom) (local.get $i))) (f32x4.splat (local.get $mu)))
            (f32x4.div
              (f32x4.mul (local.get $g) (f32x4.splat (local.get $lr)))
              (f32x4.sqrt (f32x4.add (local.get $si) (f32x4.splat (local.get $eps)))))))
        (v128.store (i32.add (local.get $outMs) (local.get $i)) (local.get $si))
        (v128.store (i32.add (local.get $outMom) (local.get $i)) (local.get $mi))
        (v128.store (i32.add (local.get $outValue) (local.get $i))
          (f32x4.sub (v128.load (i32.add (local.get $value) (local.get $i))) (local.get $mi)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $v4)))
    (block $sd
      (loop $s1
        (br_if $sd (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gs (f32.load (i32.add (local.get $grad) (local.get $i))))
        (local.set $ss
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $ms) (local.get $i))) (local.get $rho))
            (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $oneMinusRho))))
        (local.set $mm
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $mom) (local.get $i))) (local.get $mu))
            (f32.div
              (f32.mul (local.get $gs) (local.get $lr))
              (f32.sqrt (f32.add (local.get $ss) (local.get $eps))))))
        (f32.store (i32.add (local.get $outMs) (local.get $i)) (local.get $ss))
        (f32.store (i32.add (local.get $outMom) (local.get $i)) (local.get $mm))
        (f32.store (i32.add (local.get $outValue) (local.get $i))
          (f32.sub (f32.load (i32.add (local.get $value) (local.get $i))) (local.get $mm)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $s1))))

  ;; The moving average: Ḡ' = Ḡ·β + θ·(1 − β).
  (func (export "average")
    (param $avg i32) (param $value i32) (param $out i32) (param $n i32) (param $beta f32) (param $rest f32)
    (local $i i32) (local $vecEnd i32) (local $end i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $vd
      (loop $v4
        (br_if $vd (i32.ge_u (local.get $i) (local.get $vecEnd)))
        (v128.store (i32.add (local.get $out) (local.get $i))
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $avg) (local.get $i))) (f32x4.splat (local.get $beta)))
            (f32x4.mul (v128.load (i32.add (local.get $value) (local.get $i))) (f32x4.splat (local.get $rest)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $v4)))
    (block $sd
      (loop $s1
        (br_if $sd (i32.ge_u (local.get $i) (local.get $end)))
        (f32.store (i32.add (local.get $out) (local.get $i))
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $avg) (local.get $i))) (local.get $beta))
            (f32.mul (f32.load (i32.add (local.get $value) (local.get $i))) (local.get $rest))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $s1))))
)

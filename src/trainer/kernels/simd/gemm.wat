;; Matrix products for the convolution kernels, in 128-bit wasm SIMD, on
;; tfjs-backend-wasm's own memory (see ../convGemm.ts for the layouts).
;;
;; igemm: C[i, j] = sum over taps t and k < Kc of A_t[i, k] * B[t*Kc + k, j]
;; for rows i in [r0, r1), where the row of A_t for output row i is found
;; through an indirection table: ind[i*T + t] is a byte offset from xb, or
;; -1 for a row of zeros (zero, Kc floats). This is a convolution without an
;; im2col matrix: row i is an output position, tap t a filter position, and
;; the table points at the input pixel (its Kc channels) that tap meets, or
;; at zero padding. A plain matrix product is the case T = 1.
;;
;; C is row-major with a row stride of ldc bytes, or, where crow is not 0,
;; row i lies at c + crow[i] bytes (i32; negative: not stored), which
;; scatters the rows: the phases of a strided input gradient written
;; straight into their interleaved places.
;;
;; B is packed (packB): [ceil(N/8)][T*Kc][8], panels ps bytes apart, the
;; last one's columns past N zero, so each step of k reads 32 consecutive
;; bytes. Only the first N columns of C are written.
;;
;; Each step of the inner loop multiplies 4 rows by 8 columns: 8
;; accumulators, 2 vectors of B and one broadcast value of A, 11 of the 16
;; vector registers, so nothing spills. Rows past r1 in the last block
;; repeat row r1-1 and are not stored. Splitting [0, M) into ranges gives
;; threads disjoint rows of C; each output is summed in the same order
;; whatever the split.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; The first n (1..8) floats of the 8 in v0, v1 to p.
  (func $store (param $p i32) (param $v0 v128) (param $v1 v128) (param $n i32)
    (if (i32.ge_u (local.get $n) (i32.const 8))
      (then
        (v128.store (local.get $p) (local.get $v0))
        (v128.store offset=16 (local.get $p) (local.get $v1))
        (return)))
    (if (i32.ge_u (local.get $n) (i32.const 4))
      (then
        (v128.store (local.get $p) (local.get $v0))
        (local.set $v0 (local.get $v1))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $n (i32.sub (local.get $n) (i32.const 4)))))
    (if (i32.gt_u (local.get $n) (i32.const 0)) (then (f32.store (local.get $p) (f32x4.extract_lane 0 (local.get $v0)))))
    (if (i32.gt_u (local.get $n) (i32.const 1)) (then (f32.store offset=4 (local.get $p) (f32x4.extract_lane 1 (local.get $v0)))))
    (if (i32.gt_u (local.get $n) (i32.const 2)) (then (f32.store offset=8 (local.get $p) (f32x4.extract_lane 2 (local.get $v0))))))

  ;; Row `row` of C (its columns from cj): at row * ldc, or where the row
  ;; table says (crow, byte offsets; a negative one drops the row).
  (func $storeRow (param $cj i32) (param $row i32) (param $crow i32) (param $ldc i32) (param $v0 v128) (param $v1 v128) (param $n i32)
    (local $o i32)
    (local.set $o
      (if (result i32) (local.get $crow)
        (then (i32.load (i32.add (local.get $crow) (i32.shl (local.get $row) (i32.const 2)))))
        (else (i32.mul (local.get $row) (local.get $ldc)))))
    (if (i32.ge_s (local.get $o) (i32.const 0))
      (then (call $store (i32.add (local.get $cj) (local.get $o)) (local.get $v0) (local.get $v1) (local.get $n)))))

  (func (export "igemm")
    (param $r0 i32) (param $r1 i32) (param $ind i32) (param $T i32) (param $xb i32) (param $zero i32) (param $Kc i32)
    (param $b i32) (param $ps i32) (param $N i32) (param $c i32) (param $ldc i32) (param $crow i32)
    (local $i i32) (local $j i32) (local $t i32) (local $tq i32) (local $tb i32) (local $kk i32) (local $o i32)
    (local $last i32) (local $bp i32) (local $bk i32) (local $cj i32) (local $nrem i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $q0 i32) (local $q1 i32) (local $q2 i32) (local $q3 i32)
    (local $b0 v128) (local $b1 v128) (local $x v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128) (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (if (i32.ge_u (local.get $r0) (local.get $r1)) (then (return)))
    (local.set $last (i32.sub (local.get $r1) (i32.const 1)))
    (local.set $tb (i32.shl (local.get $T) (i32.const 2)))
    (local.set $i (local.get $r0))
    (loop $rows
    (local.set $q0 (i32.add (local.get $ind) (i32.mul (select (i32.add (local.get $i) (i32.const 0)) (local.get $last) (i32.lt_u (i32.add (local.get $i) (i32.const 0)) (local.get $r1))) (local.get $tb))))
    (local.set $q1 (i32.add (local.get $ind) (i32.mul (select (i32.add (local.get $i) (i32.const 1)) (local.get $last) (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $r1))) (local.get $tb))))
    (local.set $q2 (i32.add (local.get $ind) (i32.mul (select (i32.add (local.get $i) (i32.const 2)) (local.get $last) (i32.lt_u (i32.add (local.get $i) (i32.const 2)) (local.get $r1))) (local.get $tb))))
    (local.set $q3 (i32.add (local.get $ind) (i32.mul (select (i32.add (local.get $i) (i32.const 3)) (local.get $last) (i32.lt_u (i32.add (local.get $i) (i32.const 3)) (local.get $r1))) (local.get $tb))))
      (local.set $j (i32.const 0))
      (local.set $bp (local.get $b))
      (loop $panels
        (local.set $c00 (v128.const i64x2 0 0)) (local.set $c01 (v128.const i64x2 0 0)) (local.set $c10 (v128.const i64x2 0 0)) (local.set $c11 (v128.const i64x2 0 0)) (local.set $c20 (v128.const i64x2 0 0)) (local.set $c21 (v128.const i64x2 0 0)) (local.set $c30 (v128.const i64x2 0 0)) (local.set $c31 (v128.const i64x2 0 0))
        (local.set $bk (local.get $bp))
        (local.set $tq (i32.const 0))
        (loop $taps
        (local.set $o (i32.load (i32.add (local.get $q0) (local.get $tq))))
        (local.set $p0 (select (local.get $zero) (i32.add (local.get $xb) (local.get $o)) (i32.lt_s (local.get $o) (i32.const 0))))
        (local.set $o (i32.load (i32.add (local.get $q1) (local.get $tq))))
        (local.set $p1 (select (local.get $zero) (i32.add (local.get $xb) (local.get $o)) (i32.lt_s (local.get $o) (i32.const 0))))
        (local.set $o (i32.load (i32.add (local.get $q2) (local.get $tq))))
        (local.set $p2 (select (local.get $zero) (i32.add (local.get $xb) (local.get $o)) (i32.lt_s (local.get $o) (i32.const 0))))
        (local.set $o (i32.load (i32.add (local.get $q3) (local.get $tq))))
        (local.set $p3 (select (local.get $zero) (i32.add (local.get $xb) (local.get $o)) (i32.lt_s (local.get $o) (i32.const 0))))
          (local.set $kk (local.get $Kc))
          (loop $k
            (local.set $b0 (v128.load (local.get $bk)))
            (local.set $b1 (v128.load offset=16 (local.get $bk)))
            (local.set $x (v128.load32_splat (local.get $p0)))
            (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
            (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
            (local.set $p0 (i32.add (local.get $p0) (i32.const 4)))
            (local.set $x (v128.load32_splat (local.get $p1)))
            (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
            (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
            (local.set $p1 (i32.add (local.get $p1) (i32.const 4)))
            (local.set $x (v128.load32_splat (local.get $p2)))
            (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
            (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
            (local.set $p2 (i32.add (local.get $p2) (i32.const 4)))
            (local.set $x (v128.load32_splat (local.get $p3)))
            (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
            (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
            (local.set $p3 (i32.add (local.get $p3) (i32.const 4)))
            (local.set $bk (i32.add (local.get $bk) (i32.const 32)))
            (local.set $kk (i32.sub (local.get $kk) (i32.const 1)))
            (br_if $k (local.get $kk)))
          (local.set $tq (i32.add (local.get $tq) (i32.const 4)))
          (br_if $taps (i32.lt_u (local.get $tq) (local.get $tb))))
        (local.set $nrem (i32.sub (local.get $N) (local.get $j)))
        (local.set $cj (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 2))))
      (if (i32.lt_u (i32.add (local.get $i) (i32.const 0)) (local.get $r1))
        (then (call $storeRow (local.get $cj) (i32.add (local.get $i) (i32.const 0)) (local.get $crow) (local.get $ldc) (local.get $c00) (local.get $c01) (local.get $nrem))))
      (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $r1))
        (then (call $storeRow (local.get $cj) (i32.add (local.get $i) (i32.const 1)) (local.get $crow) (local.get $ldc) (local.get $c10) (local.get $c11) (local.get $nrem))))
      (if (i32.lt_u (i32.add (local.get $i) (i32.const 2)) (local.get $r1))
        (then (call $storeRow (local.get $cj) (i32.add (local.get $i) (i32.const 2)) (local.get $crow) (local.get $ldc) (local.get $c20) (local.get $c21) (local.get $nrem))))
      (if (i32.lt_u (i32.add (local.get $i) (i32.const 3)) (local.get $r1))
        (then (call $storeRow (local.get $cj) (i32.add (local.get $i) (i32.const 3)) (local.get $crow) (local.get $ldc) (local.get $c30) (local.get $c31) (local.get $nrem))))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (local.set $bp (i32.add (local.get $bp) (local.get $ps)))
        (br_if $panels (i32.lt_u (local.get $j) (local.get $N))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br_if $rows (i32.lt_u (local.get $i) (local.get $r1)))))

;; packB: B as igemm reads it packed ([ceil(N/8)][T*Kc][8], the last
;; panel's columns past N zero) from a source whose row (t, k) starts at
;; src + t*st + k*sk and holds N floats: a filter [T, Kc, N] (st = 4*Kc*N,
;; sk = 4N), or a gradient read tap-major. Packed, each step of igemm's inner
;; loop reads 32 consecutive bytes instead of two vectors a row apart.
  (func (export "packB")
    (param $src i32) (param $T i32) (param $Kc i32) (param $st i32) (param $sk i32) (param $N i32) (param $dst i32)
    (local $j i32) (local $t i32) (local $k i32) (local $row i32) (local $n i32) (local $q i32)
    (if (i32.or (i32.eqz (local.get $T)) (i32.eqz (local.get $Kc))) (then (return)))
    (loop $panels
      (local.set $n (i32.sub (local.get $N) (local.get $j)))
      (local.set $t (i32.const 0))
      (loop $taps
        (local.set $row (i32.add (i32.add (local.get $src) (i32.mul (local.get $t) (local.get $st))) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $k (local.get $Kc))
        (if (i32.ge_u (local.get $n) (i32.const 8))
          (then
            (loop $full
              (v128.store (local.get $dst) (v128.load (local.get $row)))
              (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $row)))
              (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
              (local.set $row (i32.add (local.get $row) (local.get $sk)))
              (local.set $k (i32.sub (local.get $k) (i32.const 1)))
              (br_if $full (local.get $k))))
          (else
            (loop $part
              (v128.store (local.get $dst) (v128.const i64x2 0 0))
              (v128.store offset=16 (local.get $dst) (v128.const i64x2 0 0))
              (local.set $q (i32.const 0))
              (loop $lane
                (f32.store (i32.add (local.get $dst) (local.get $q)) (f32.load (i32.add (local.get $row) (local.get $q))))
                (local.set $q (i32.add (local.get $q) (i32.const 4)))
                (br_if $lane (i32.lt_u (local.get $q) (i32.shl (local.get $n) (i32.const 2)))))
              (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
              (local.set $row (i32.add (local.get $row) (local.get $sk)))
              (local.set $k (i32.sub (local.get $k) (i32.const 1)))
              (br_if $part (local.get $k)))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br_if $taps (i32.lt_u (local.get $t) (local.get $T))))
      (local.set $j (i32.add (local.get $j) (i32.const 8)))
      (br_if $panels (i32.lt_u (local.get $j) (local.get $N)))))
)

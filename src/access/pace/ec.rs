//! Constant-time short-Weierstrass arithmetic for PACE over stack-allocated `crypto-bigint`
//! Montgomery forms (`FixedMontyForm<L>`), one generic implementation for every curve of
//! Part 11 §9.5.1, dispatched by limb count (4: ≤ 256 bits, 6: 320/384, 8: 512, 9: 521).
//!
//! Secrets (scalars) only meet constant-time code: Montgomery arithmetic, a 4-bit fixed window
//! whose table entry is fetched by a constant-time scan, and the Renes–Costello–Batina
//! complete addition and doubling laws (no branch on the points). Peer points are validated
//! in variable time (they are public).

use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{BoxedUint, Choice, CtAssign, CtEq, NonZero, Odd, Resize, Uint, Word};
use zeroize::Zeroizing;

use super::arith::Invalid;

const WORD_BYTES: usize = core::mem::size_of::<Word>();

/// Big-endian bytes (at most `L` words of them) as an integer.
fn uint_from_be<const L: usize>(bytes: &[u8]) -> Option<Uint<L>> {
    if bytes.len() > L.saturating_mul(WORD_BYTES) {
        return None;
    }
    let mut words = [0 as Word; L];
    for (i, b) in bytes.iter().rev().enumerate() {
        let word = words.get_mut(i / WORD_BYTES)?;
        *word |= Word::from(*b) << (8 * (i % WORD_BYTES));
    }
    Some(Uint::from_words(words))
}

/// The low `len` bytes of an integer, big-endian.
fn uint_to_be<const L: usize>(x: &Uint<L>, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    for (i, byte) in out.iter_mut().rev().enumerate() {
        if let Some(word) = x.as_words().get(i / WORD_BYTES) {
            *byte = (word >> (8 * (i % WORD_BYTES))) as u8;
        }
    }
    out
}

type Fe<const L: usize> = FixedMontyForm<L>;

/// A point in homogeneous projective coordinates; the identity is `(0 : 1 : 0)`.
#[derive(Clone, Copy)]
pub(crate) struct Point<const L: usize> {
    x: Fe<L>,
    y: Fe<L>,
    z: Fe<L>,
}

impl<const L: usize> Point<L> {
    fn assign_if(&mut self, other: &Point<L>, choice: Choice) {
        self.x
            .as_montgomery_mut()
            .ct_assign(other.x.as_montgomery(), choice);
        self.y
            .as_montgomery_mut()
            .ct_assign(other.y.as_montgomery(), choice);
        self.z
            .as_montgomery_mut()
            .ct_assign(other.z.as_montgomery(), choice);
    }
}

/// A prime-order curve `y² = x³ + ax + b` over GF(p), `p` of at most `64·L` bits.
#[derive(Clone)]
pub(crate) struct Curve<const L: usize> {
    params: FixedMontyParams<L>,
    p: Uint<L>,
    p_boxed: BoxedUint,
    len: usize,
    bits: u32,
    a: Fe<L>,
    b: Fe<L>,
    b3: Fe<L>,
    g: Point<L>,
    order: BoxedUint,
    p3mod4: bool,
    sqrt_exp: Uint<L>,
    p_minus_2: Uint<L>,
}

impl<const L: usize> Curve<L> {
    fn new(p: &[u8], a: &[u8], b: &[u8], gx: &[u8], gy: &[u8], n: &[u8]) -> Option<Self> {
        let p_boxed = BoxedUint::from_be_slice_vartime(p);
        let bits = p_boxed.bit_width_vartime();
        if bits < 3 {
            return None;
        }
        let p_int = uint_from_be::<L>(p)?;
        let odd: Option<Odd<Uint<L>>> = Odd::new(p_int).into_option();
        let params = FixedMontyParams::new_vartime(odd?);
        let len = usize::try_from(bits.div_ceil(8)).ok()?;
        let fe = |bytes: &[u8]| -> Option<Fe<L>> {
            let x = uint_from_be::<L>(strip(bytes))?;
            (x < p_int).then(|| Fe::new(&x, &params))
        };
        let (a, b, gx, gy) = (fe(a)?, fe(b)?, fe(gx)?, fe(gy)?);
        let three = Fe::new(&Uint::from_u64(3), &params);
        let order = BoxedUint::from_be_slice_vartime(n);
        if order.bit_width_vartime() < 2 {
            return None;
        }
        let p3mod4 = p_int.as_words().first().is_some_and(|w| w & 3 == 3);
        let p_plus_1_over_4 = p_int.wrapping_add(&Uint::ONE).shr_vartime(2);
        let sqrt_exp = p_int
            .wrapping_sub(&Uint::ONE)
            .wrapping_sub(&p_plus_1_over_4);
        let p_minus_2 = p_int.wrapping_sub(&Uint::from_u64(2));
        let curve = Curve {
            g: Point {
                x: gx,
                y: gy,
                z: Fe::one(&params),
            },
            b3: b.mul(&three),
            params,
            p: p_int,
            p_boxed,
            len,
            bits,
            a,
            b,
            order,
            p3mod4,
            sqrt_exp,
            p_minus_2,
        };
        curve.on_curve(&curve.g.x, &curve.g.y).then_some(curve)
    }

    fn zero(&self) -> Fe<L> {
        Fe::zero(&self.params)
    }

    fn one(&self) -> Fe<L> {
        Fe::one(&self.params)
    }

    fn identity(&self) -> Point<L> {
        Point {
            x: self.zero(),
            y: self.one(),
            z: self.zero(),
        }
    }

    fn on_curve(&self, x: &Fe<L>, y: &Fe<L>) -> bool {
        let lhs = y.square();
        let rhs = x.square().mul(x).add(&self.a.mul(x)).add(&self.b);
        lhs.ct_eq(&rhs).to_bool()
    }

    /// Complete addition (Renes, Costello, Batina 2016, Algorithm 1: any `a`).
    fn add(&self, p: &Point<L>, q: &Point<L>) -> Point<L> {
        let (a, b3) = (&self.a, &self.b3);
        let t0 = p.x.mul(&q.x);
        let t1 = p.y.mul(&q.y);
        let t2 = p.z.mul(&q.z);
        let t3 = p.x.add(&p.y).mul(&q.x.add(&q.y)).sub(&t0.add(&t1));
        let t4 = p.x.add(&p.z).mul(&q.x.add(&q.z)).sub(&t0.add(&t2));
        let t5 = p.y.add(&p.z).mul(&q.y.add(&q.z)).sub(&t1.add(&t2));
        let z3 = a.mul(&t4).add(&b3.mul(&t2));
        let x3 = t1.sub(&z3);
        let z3 = t1.add(&z3);
        let y3 = x3.mul(&z3);
        let t1 = t0.double().add(&t0);
        let t2 = a.mul(&t2);
        let t4 = b3.mul(&t4);
        let t1 = t1.add(&t2);
        let t2 = a.mul(&t0.sub(&t2));
        let t4 = t4.add(&t2);
        let y3 = y3.add(&t1.mul(&t4));
        let x3 = t3.mul(&x3).sub(&t5.mul(&t4));
        let z3 = t5.mul(&z3).add(&t3.mul(&t1));
        Point {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// Exception-free doubling (Renes, Costello, Batina 2016, Algorithm 3: any `a`).
    fn double(&self, p: &Point<L>) -> Point<L> {
        let (a, b3) = (&self.a, &self.b3);
        let t0 = p.x.square();
        let t1 = p.y.square();
        let t2 = p.z.square();
        let t3 = p.x.mul(&p.y).double();
        let z3 = p.x.mul(&p.z).double();
        let x3 = a.mul(&z3);
        let y3 = x3.add(&b3.mul(&t2));
        let x3 = t1.sub(&y3);
        let y3 = x3.mul(&t1.add(&y3));
        let x3 = t3.mul(&x3);
        let z3 = b3.mul(&z3);
        let t2 = a.mul(&t2);
        let t3 = a.mul(&t0.sub(&t2)).add(&z3);
        let t0 = t0.double().add(&t0).add(&t2).mul(&t3);
        let y3 = y3.add(&t0);
        let t2 = p.y.mul(&p.z).double();
        let x3 = x3.sub(&t2.mul(&t3));
        let z3 = t2.mul(&t1).double().double();
        Point {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `k·P`, constant time for a fixed precision of `k`.
    fn mul(&self, p: &Point<L>, k: &BoxedUint) -> Point<L> {
        let mut table = [self.identity(); 16];
        let mut last = *p;
        for (i, slot) in table.iter_mut().enumerate().skip(1) {
            if i > 1 {
                last = self.add(&last, p);
            }
            *slot = last;
        }
        let bytes = Zeroizing::new(k.to_be_bytes());
        let mut acc = self.identity();
        for byte in bytes.iter() {
            for nibble in [byte >> 4, byte & 0x0f] {
                for _ in 0..4 {
                    acc = self.double(&acc);
                }
                let mut entry = self.identity();
                for (i, candidate) in (0u8..).zip(table.iter()) {
                    entry.assign_if(candidate, i.ct_eq(&nibble));
                }
                acc = self.add(&acc, &entry);
            }
        }
        acc
    }

    fn is_identity(&self, p: &Point<L>) -> bool {
        p.z.ct_eq(&self.zero()).to_bool()
    }

    fn to_affine(&self, p: &Point<L>) -> Option<(Fe<L>, Fe<L>)> {
        let z_inv: Option<Fe<L>> = p.z.invert().into_option();
        let z_inv = z_inv?;
        Some((p.x.mul(&z_inv), p.y.mul(&z_inv)))
    }

    fn affine_point(&self, x: Fe<L>, y: Fe<L>) -> Option<Point<L>> {
        self.on_curve(&x, &y).then(|| Point {
            x,
            y,
            z: self.one(),
        })
    }

    fn encode(&self, p: &Point<L>) -> Option<Vec<u8>> {
        let (x, y) = self.to_affine(p)?;
        let mut out = Vec::with_capacity(1 + 2 * self.len);
        out.push(0x04);
        out.extend_from_slice(&uint_to_be(&x.retrieve(), self.len));
        out.extend_from_slice(&uint_to_be(&y.retrieve(), self.len));
        Some(out)
    }

    fn x_bytes(&self, p: &Point<L>) -> Option<Zeroizing<Vec<u8>>> {
        let (x, _) = self.to_affine(p)?;
        Some(Zeroizing::new(uint_to_be(&x.retrieve(), self.len)))
    }

    fn decode(&self, bytes: &[u8]) -> Result<Point<L>, Invalid> {
        let (tag, coords) = bytes.split_first().ok_or(Invalid::Encoding)?;
        if *tag != 0x04 || coords.len() != self.len.saturating_mul(2) {
            return Err(Invalid::Encoding);
        }
        let (xb, yb) = coords.split_at(self.len);
        let coordinate = |b: &[u8]| -> Result<Fe<L>, Invalid> {
            let v = uint_from_be::<L>(b).ok_or(Invalid::Encoding)?;
            if v < self.p {
                Ok(Fe::new(&v, &self.params))
            } else {
                Err(Invalid::Range)
            }
        };
        let (x, y) = (coordinate(xb)?, coordinate(yb)?);
        self.affine_point(x, y).ok_or(Invalid::NotOnCurve)
    }

    /// `R_p`: the PRF output reduced mod p (constant time), as a field element.
    fn reduce(&self, x: &[u8]) -> Option<Fe<L>> {
        let bits = u32::try_from(x.len().checked_mul(8)?).ok()?;
        let wide = bits.max(self.p_boxed.bits_precision());
        let value = Zeroizing::new(BoxedUint::from_be_slice(x, wide).ok()?);
        let modulus = NonZero::new((&self.p_boxed).resize_unchecked(wide)).into_option()?;
        let r = Zeroizing::new(value.rem(&modulus));
        let bytes = Zeroizing::new(r.to_be_bytes());
        let skip = bytes.len().saturating_sub(L.saturating_mul(WORD_BYTES));
        let r = uint_from_be::<L>(bytes.get(skip..)?)?;
        Some(Fe::new(&r, &self.params))
    }

    /// The point encoding f_G of Part 11 Appendix B (simplified SWU after Brier et al., affine
    /// form, `p ≡ 3 mod 4`; cofactor 1).
    fn encode_to_curve(&self, t: &Fe<L>) -> Option<Point<L>> {
        if !self.p3mod4 {
            return None;
        }
        let one = self.one();
        let alpha = t.square().neg();
        let alpha_alpha2 = alpha.add(&alpha.square());
        let x2 = self
            .b
            .neg()
            .mul(&one.add(&alpha_alpha2))
            .mul(&self.a.mul(&alpha_alpha2).pow(&self.p_minus_2));
        let x3 = alpha.mul(&x2);
        let h2 = x2.square().mul(&x2).add(&self.a.mul(&x2)).add(&self.b);
        let u = t.square().mul(t).mul(&h2);
        let a_exp = h2.pow(&self.sqrt_exp);
        let is_square = a_exp.square().mul(&h2).ct_eq(&one);
        let mut x = x3;
        let mut y = a_exp.mul(&u);
        x.as_montgomery_mut()
            .ct_assign(x2.as_montgomery(), is_square);
        y.as_montgomery_mut()
            .ct_assign(a_exp.mul(&h2).as_montgomery(), is_square);
        self.affine_point(x, y)
    }
}

fn strip(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or(&[])
}

/// A curve of one of the supported sizes.
// Curves are built once per process and cached; the size difference does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
pub(crate) enum EcCurve {
    /// Up to 256 bits.
    C4(Curve<4>),
    /// Up to 384 bits.
    C6(Curve<6>),
    /// Up to 512 bits.
    C8(Curve<8>),
    /// Up to 576 bits (P-521).
    C9(Curve<9>),
}

/// A point on an [`EcCurve`] of the same size.
// Points live briefly on the stack during one PACE run; boxing them would only add allocations.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
pub(crate) enum EcPoint {
    /// On a `C4` curve.
    P4(Point<4>),
    /// On a `C6` curve.
    P6(Point<6>),
    /// On a `C8` curve.
    P8(Point<8>),
    /// On a `C9` curve.
    P9(Point<9>),
}

/// Runs `$body` with the curve (and optionally a point of the same size) bound.
macro_rules! dispatch {
    ($curve:expr, $c:ident => $body:expr) => {
        match $curve {
            EcCurve::C4($c) => $body,
            EcCurve::C6($c) => $body,
            EcCurve::C8($c) => $body,
            EcCurve::C9($c) => $body,
        }
    };
    ($curve:expr, $point:expr, $c:ident, $p:ident => $body:expr) => {
        match ($curve, $point) {
            (EcCurve::C4($c), EcPoint::P4($p)) => $body,
            (EcCurve::C6($c), EcPoint::P6($p)) => $body,
            (EcCurve::C8($c), EcPoint::P8($p)) => $body,
            (EcCurve::C9($c), EcPoint::P9($p)) => $body,
            _ => None,
        }
    };
}

impl EcCurve {
    /// A curve from big-endian `p, a, b, G = (gx, gy)` and the order `n` of `G`, which must be
    /// on the curve. Only prime-order curves are expected (every curve of Part 11 §9.5.1).
    pub(crate) fn new(
        p: &[u8],
        a: &[u8],
        b: &[u8],
        gx: &[u8],
        gy: &[u8],
        n: &[u8],
    ) -> Option<Self> {
        let bits = BoxedUint::from_be_slice_vartime(p).bit_width_vartime();
        Some(match bits {
            0..=256 => EcCurve::C4(Curve::new(p, a, b, gx, gy, n)?),
            257..=384 => EcCurve::C6(Curve::new(p, a, b, gx, gy, n)?),
            385..=512 => EcCurve::C8(Curve::new(p, a, b, gx, gy, n)?),
            513..=576 => EcCurve::C9(Curve::new(p, a, b, gx, gy, n)?),
            _ => return None,
        })
    }

    pub(crate) fn generator(&self) -> EcPoint {
        match self {
            EcCurve::C4(c) => EcPoint::P4(c.g),
            EcCurve::C6(c) => EcPoint::P6(c.g),
            EcCurve::C8(c) => EcPoint::P8(c.g),
            EcCurve::C9(c) => EcPoint::P9(c.g),
        }
    }

    pub(crate) fn order(&self) -> &BoxedUint {
        dispatch!(self, c => &c.order)
    }

    /// Bit length of p.
    pub(crate) fn field_bits(&self) -> u32 {
        dispatch!(self, c => c.bits)
    }

    pub(crate) fn supports_point_encoding(&self) -> bool {
        dispatch!(self, c => c.p3mod4)
    }

    pub(crate) fn mul(&self, p: &EcPoint, k: &BoxedUint) -> Option<EcPoint> {
        match (self, p) {
            (EcCurve::C4(c), EcPoint::P4(q)) => Some(EcPoint::P4(c.mul(q, k))),
            (EcCurve::C6(c), EcPoint::P6(q)) => Some(EcPoint::P6(c.mul(q, k))),
            (EcCurve::C8(c), EcPoint::P8(q)) => Some(EcPoint::P8(c.mul(q, k))),
            (EcCurve::C9(c), EcPoint::P9(q)) => Some(EcPoint::P9(c.mul(q, k))),
            _ => None,
        }
    }

    pub(crate) fn add(&self, p: &EcPoint, q: &EcPoint) -> Option<EcPoint> {
        match (self, p, q) {
            (EcCurve::C4(c), EcPoint::P4(a), EcPoint::P4(b)) => Some(EcPoint::P4(c.add(a, b))),
            (EcCurve::C6(c), EcPoint::P6(a), EcPoint::P6(b)) => Some(EcPoint::P6(c.add(a, b))),
            (EcCurve::C8(c), EcPoint::P8(a), EcPoint::P8(b)) => Some(EcPoint::P8(c.add(a, b))),
            (EcCurve::C9(c), EcPoint::P9(a), EcPoint::P9(b)) => Some(EcPoint::P9(c.add(a, b))),
            _ => None,
        }
    }

    /// Whether `p` is the identity (or of another curve size).
    pub(crate) fn is_identity(&self, p: &EcPoint) -> bool {
        let r = dispatch!(self, p, c, q => Some(c.is_identity(q)));
        r.unwrap_or(true)
    }

    pub(crate) fn encode(&self, p: &EcPoint) -> Option<Vec<u8>> {
        dispatch!(self, p, c, q => c.encode(q))
    }

    pub(crate) fn x_bytes(&self, p: &EcPoint) -> Option<Zeroizing<Vec<u8>>> {
        dispatch!(self, p, c, q => c.x_bytes(q))
    }

    pub(crate) fn decode(&self, bytes: &[u8]) -> Result<EcPoint, Invalid> {
        Ok(match self {
            EcCurve::C4(c) => EcPoint::P4(c.decode(bytes)?),
            EcCurve::C6(c) => EcPoint::P6(c.decode(bytes)?),
            EcCurve::C8(c) => EcPoint::P8(c.decode(bytes)?),
            EcCurve::C9(c) => EcPoint::P9(c.decode(bytes)?),
        })
    }

    /// f_G(R_p(s, t)) from the PRF output `x` (reduced mod p here); `None` when the encoding
    /// does not apply (`p ≢ 3 mod 4`).
    pub(crate) fn integrated_map(&self, x: &[u8]) -> Option<EcPoint> {
        Some(match self {
            EcCurve::C4(c) => EcPoint::P4(c.encode_to_curve(&c.reduce(x)?)?),
            EcCurve::C6(c) => EcPoint::P6(c.encode_to_curve(&c.reduce(x)?)?),
            EcCurve::C8(c) => EcPoint::P8(c.encode_to_curve(&c.reduce(x)?)?),
            EcCurve::C9(c) => EcPoint::P9(c.encode_to_curve(&c.reduce(x)?)?),
        })
    }

    /// `R_p(s, t)` as `len(p)` bytes (for the worked example).
    #[cfg(test)]
    pub(crate) fn reduce_to_bytes(&self, x: &[u8]) -> Option<Vec<u8>> {
        dispatch!(self, c => c.reduce(x).map(|r| uint_to_be(&r.retrieve(), c.len)))
    }
}

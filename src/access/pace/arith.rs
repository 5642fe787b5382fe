//! Constant-time group arithmetic for PACE over `crypto-bigint` Montgomery forms: short-Weierstrass
//! curves over prime fields (complete projective formulas) and prime-order subgroups of Z_p^*.
//!
//! One generic implementation serves every curve of ICAO 9303 Part 11 §9.5.1 (and explicit
//! parameters of the same shape), so brainpoolP512r1 needs no crate of its own. Secrets
//! (private keys, the nonce s) only ever meet constant-time operations: Montgomery
//! multiplication, fixed-window scalar multiplication with a constant-time table lookup over the
//! Renes–Costello–Batina complete addition law (no branch on the point), constant-time
//! exponentiation. Public values (peer keys, domain parameters) are validated in variable time.

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Choice, CtAssign, CtEq, NonZero, Odd, Resize};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

/// A field element (or an element of Z_p^*) in Montgomery form.
pub(crate) type Fe = BoxedMontyForm;

/// Arithmetic modulo an odd prime `p`.
#[derive(Clone)]
pub(crate) struct PrimeField {
    params: BoxedMontyParams,
    modulus: BoxedUint,
    precision: u32,
    len: usize,
}

impl PrimeField {
    /// The field of an odd modulus `p > 3` given big-endian; `None` otherwise.
    pub(crate) fn new(p_be: &[u8]) -> Option<Self> {
        let modulus = BoxedUint::from_be_slice_vartime(p_be);
        let bits = modulus.bit_width_vartime();
        if bits < 3 {
            return None;
        }
        let odd: Option<Odd<BoxedUint>> = Odd::new(modulus.clone()).into_option();
        let params = BoxedMontyParams::new_vartime(odd?);
        Some(PrimeField {
            params,
            precision: modulus.bits_precision(),
            modulus,
            len: usize::try_from(bits.div_ceil(8)).ok()?,
        })
    }

    /// Byte length of `p`.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Bit length of `p`.
    pub(crate) fn bits(&self) -> u32 {
        self.modulus.bit_width_vartime()
    }

    /// The modulus.
    pub(crate) fn modulus(&self) -> &BoxedUint {
        &self.modulus
    }

    /// Precision (in bits) of the integers of this field.
    pub(crate) fn precision(&self) -> u32 {
        self.precision
    }

    pub(crate) fn zero(&self) -> Fe {
        Fe::zero(&self.params)
    }

    pub(crate) fn one(&self) -> Fe {
        Fe::one(&self.params)
    }

    /// An integer (of any precision) `< p` as a field element; `None` if it is not `< p`
    /// (variable time: for public values).
    pub(crate) fn element_vartime(&self, x: &BoxedUint) -> Option<Fe> {
        if x.bit_width_vartime() > self.precision {
            return None;
        }
        let x = x.resize_unchecked(self.precision);
        (x.cmp_vartime(&self.modulus) == core::cmp::Ordering::Less)
            .then(|| Fe::new(x, &self.params))
    }

    /// Big-endian bytes (at most `len` of them, leading zeros allowed) as a field element, which
    /// must be `< p` (variable time: for public values).
    pub(crate) fn decode_vartime(&self, bytes: &[u8]) -> Option<Fe> {
        if bytes.len() > self.len {
            return None;
        }
        let x = BoxedUint::from_be_slice(bytes, self.precision).ok()?;
        self.element_vartime(&x)
    }

    /// `x mod p` for an integer of any precision, in constant time (for secret values).
    pub(crate) fn reduce(&self, x: &BoxedUint) -> Option<Fe> {
        let wide = x.bits_precision().max(self.precision);
        let x = x.resize_unchecked(wide);
        let p = NonZero::new((&self.modulus).resize_unchecked(wide)).into_option()?;
        let r = x.rem(&p).resize_unchecked(self.precision);
        Some(Fe::new(r, &self.params))
    }

    /// The element as `len` big-endian bytes (FE2OS).
    pub(crate) fn to_be(&self, x: &Fe) -> Vec<u8> {
        let bytes = x.retrieve().to_be_bytes();
        let skip = bytes.len().saturating_sub(self.len);
        bytes.iter().skip(skip).copied().collect()
    }

    /// A constant small integer as a field element.
    pub(crate) fn small(&self, v: u64) -> Fe {
        Fe::new(
            BoxedUint::from(v).resize_unchecked(self.precision),
            &self.params,
        )
    }
}

/// Uniform random integer in `[1, n-1]` (reduction of `len(n) + 8` random bytes, so the bias is
/// below 2^-64), of the precision of `n`.
pub(crate) fn random_scalar(
    n: &BoxedUint,
    rng: &mut impl CryptoRng,
) -> Option<Zeroizing<BoxedUint>> {
    let n_bytes = usize::try_from(n.bit_width_vartime().div_ceil(8)).ok()?;
    let mut bytes = Zeroizing::new(vec![0u8; n_bytes.checked_add(8)?]);
    rng.fill_bytes(bytes.as_mut_slice());
    let wide_bits = u32::try_from(bytes.len().checked_mul(8)?).ok()?;
    let wide = Zeroizing::new(BoxedUint::from_be_slice(&bytes, wide_bits).ok()?);
    let n_minus_1 = n
        .wrapping_sub(BoxedUint::one())
        .resize_unchecked(wide_bits.max(n.bits_precision()));
    let modulus = NonZero::new(n_minus_1).into_option()?;
    let widened = Zeroizing::new((&*wide).resize_unchecked(modulus.bits_precision()));
    let r = Zeroizing::new(widened.rem(&modulus));
    Some(Zeroizing::new(
        (&*r)
            .resize_unchecked(n.bits_precision())
            .wrapping_add(BoxedUint::one()),
    ))
}

/// A point in homogeneous projective coordinates `(X : Y : Z)`; the identity is `(0 : 1 : 0)`.
#[derive(Clone)]
pub(crate) struct Point {
    x: Fe,
    y: Fe,
    z: Fe,
}

impl Point {
    fn assign_if(&mut self, other: &Point, choice: Choice) {
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

/// Why a peer's public value was rejected (Part 11 §4.4.3.3: validate every public key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Invalid {
    /// Not `04 ‖ X ‖ Y` of the field's length (or the DH value is longer than p).
    Encoding,
    /// A coordinate or value is out of range.
    Range,
    /// The point does not satisfy the curve equation.
    NotOnCurve,
    /// The DH value is not in the subgroup of order q.
    NotInSubgroup,
}

/// A prime-order short-Weierstrass curve `y² = x³ + ax + b` over GF(p).
#[derive(Clone)]
pub(crate) struct Curve {
    field: PrimeField,
    a: Fe,
    b: Fe,
    b3: Fe,
    g: Point,
    order: BoxedUint,
    /// `p ≡ 3 (mod 4)`: the point encoding of the Integrated Mapping applies.
    p3mod4: bool,
    /// `p - 1 - (p + 1) / 4`, the exponent of Appendix B's square-root step.
    sqrt_exp: BoxedUint,
    /// `p - 2`, for inversion by exponentiation.
    p_minus_2: BoxedUint,
}

impl Curve {
    /// A curve from big-endian `p, a, b, G = (gx, gy)` and the order `n` of `G`; checks that
    /// `G` is on the curve. Only prime-order curves (cofactor 1) are accepted: the complete
    /// addition law needs them, and every curve of Part 11 §9.5.1 is one.
    pub(crate) fn new(
        p: &[u8],
        a: &[u8],
        b: &[u8],
        gx: &[u8],
        gy: &[u8],
        n: &[u8],
    ) -> Option<Curve> {
        let field = PrimeField::new(p)?;
        let a = field.decode_vartime(strip(a))?;
        let b = field.decode_vartime(strip(b))?;
        let b3 = b.mul(&field.small(3));
        let gx = field.decode_vartime(strip(gx))?;
        let gy = field.decode_vartime(strip(gy))?;
        let order = BoxedUint::from_be_slice_vartime(n);
        if order.bit_width_vartime() < 2 {
            return None;
        }
        let p_int = field.modulus().clone();
        let low = p_int.as_words().first().copied().unwrap_or(0);
        let p3mod4 = low & 3 == 3;
        let p_plus_1_over_4 = p_int.wrapping_add(BoxedUint::one()).shr(2);
        let sqrt_exp = p_int
            .wrapping_sub(BoxedUint::one())
            .wrapping_sub(&p_plus_1_over_4);
        let p_minus_2 =
            p_int.wrapping_sub(BoxedUint::from(2u64).resize_unchecked(p_int.bits_precision()));
        let one = field.one();
        let curve = Curve {
            g: Point {
                x: gx,
                y: gy,
                z: one,
            },
            field,
            a,
            b,
            b3,
            order,
            p3mod4,
            sqrt_exp,
            p_minus_2,
        };
        curve.on_curve(&curve.g.x, &curve.g.y).then_some(curve)
    }

    pub(crate) fn field(&self) -> &PrimeField {
        &self.field
    }

    pub(crate) fn order(&self) -> &BoxedUint {
        &self.order
    }

    pub(crate) fn generator(&self) -> &Point {
        &self.g
    }

    /// Whether the Integrated Mapping's point encoding applies (`p ≡ 3 mod 4`).
    pub(crate) fn supports_point_encoding(&self) -> bool {
        self.p3mod4
    }

    fn identity(&self) -> Point {
        Point {
            x: self.field.zero(),
            y: self.field.one(),
            z: self.field.zero(),
        }
    }

    fn on_curve(&self, x: &Fe, y: &Fe) -> bool {
        let lhs = y.square();
        let rhs = x.square().mul(x).add(&self.a.mul(x)).add(&self.b);
        lhs.ct_eq(&rhs).to_bool()
    }

    /// Complete addition (Renes, Costello, Batina 2016, Algorithm 1: any `a`); also doubles.
    pub(crate) fn add(&self, p: &Point, q: &Point) -> Point {
        let a = &self.a;
        let b3 = &self.b3;
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
    pub(crate) fn double(&self, p: &Point) -> Point {
        let a = &self.a;
        let b3 = &self.b3;
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

    /// `k·P` in constant time for a fixed precision of `k`: 4-bit fixed window, each window
    /// four doublings and one addition of a table entry fetched by a constant-time scan.
    pub(crate) fn mul(&self, p: &Point, k: &BoxedUint) -> Point {
        let mut table = Vec::with_capacity(16);
        table.push(self.identity());
        let mut last = p.clone();
        table.push(last.clone());
        for _ in 2..16 {
            last = self.add(&last, p);
            table.push(last.clone());
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

    /// Affine coordinates, `None` for the identity.
    pub(crate) fn to_affine(&self, p: &Point) -> Option<(Fe, Fe)> {
        let z_inv: Option<Fe> = p.z.invert().into_option();
        let z_inv = z_inv?;
        Some((p.x.mul(&z_inv), p.y.mul(&z_inv)))
    }

    /// The affine point `(x, y)`, which must be on the curve.
    pub(crate) fn affine_point(&self, x: Fe, y: Fe) -> Option<Point> {
        self.on_curve(&x, &y).then(|| Point {
            x,
            y,
            z: self.field.one(),
        })
    }

    /// Uncompressed encoding `04 ‖ X ‖ Y`; `None` for the identity.
    pub(crate) fn encode(&self, p: &Point) -> Option<Vec<u8>> {
        let (x, y) = self.to_affine(p)?;
        let mut out = Vec::with_capacity(1 + 2 * self.field.len());
        out.push(0x04);
        out.extend_from_slice(&self.field.to_be(&x));
        out.extend_from_slice(&self.field.to_be(&y));
        Some(out)
    }

    /// The x-coordinate as `len(p)` bytes; `None` for the identity.
    pub(crate) fn x_bytes(&self, p: &Point) -> Option<Zeroizing<Vec<u8>>> {
        let (x, _) = self.to_affine(p)?;
        Some(Zeroizing::new(self.field.to_be(&x)))
    }

    /// Decodes and validates a peer's point: `04 ‖ X ‖ Y`, coordinates `< p`, on the curve
    /// (hence, the cofactor being 1, in the group and not the identity).
    pub(crate) fn decode(&self, bytes: &[u8]) -> Result<Point, Invalid> {
        let len = self.field.len();
        let (tag, coords) = bytes.split_first().ok_or(Invalid::Encoding)?;
        if *tag != 0x04 || coords.len() != len.saturating_mul(2) {
            return Err(Invalid::Encoding);
        }
        let (xb, yb) = coords.split_at(len);
        let x = self.field.decode_vartime(xb).ok_or(Invalid::Range)?;
        let y = self.field.decode_vartime(yb).ok_or(Invalid::Range)?;
        self.affine_point(x, y).ok_or(Invalid::NotOnCurve)
    }

    /// Whether `P` is the identity (public results only).
    pub(crate) fn is_identity(&self, p: &Point) -> bool {
        p.z.is_zero().to_bool()
    }

    /// The point encoding f_G of Part 11 Appendix B (simplified SWU after Brier et al.,
    /// affine form) for `p ≡ 3 (mod 4)`; the cofactor is 1 so no multiplication follows.
    pub(crate) fn encode_to_curve(&self, t: &Fe) -> Option<Point> {
        if !self.p3mod4 {
            return None;
        }
        let one = self.field.one();
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

/// A prime-order subgroup `<g>` of order `q` in Z_p^* (RFC 5114 style).
#[derive(Clone)]
pub(crate) struct DhGroup {
    field: PrimeField,
    g: Fe,
    q: BoxedUint,
    /// `(p - 1) / q`, the cofactor exponent of f_g (Part 11 §4.4.3.3.2).
    cofactor: BoxedUint,
    p_minus_1: BoxedUint,
}

impl DhGroup {
    /// A group from big-endian `p, g, q`; checks `1 < g < p`, `q | p - 1` and `g^q = 1`.
    pub(crate) fn new(p: &[u8], g: &[u8], q: &[u8]) -> Option<DhGroup> {
        let field = PrimeField::new(p)?;
        let g = field.decode_vartime(strip(g))?;
        let q = BoxedUint::from_be_slice_vartime(q);
        if q.bit_width_vartime() < 2 || q.bit_width_vartime() > field.bits() {
            return None;
        }
        let p_minus_1 = field.modulus().wrapping_sub(BoxedUint::one());
        let q_wide =
            NonZero::new((&q).resize_unchecked(p_minus_1.bits_precision())).into_option()?;
        let (cofactor, rem) = p_minus_1.div_rem_vartime(&q_wide);
        if !bool::from(rem.is_zero()) {
            return None;
        }
        let group = DhGroup {
            field,
            g,
            q,
            cofactor,
            p_minus_1,
        };
        let one = group.field.one();
        let ok = !group.g.ct_eq(&one).to_bool() && group.g.pow(&group.q).ct_eq(&one).to_bool();
        ok.then_some(group)
    }

    pub(crate) fn field(&self) -> &PrimeField {
        &self.field
    }

    pub(crate) fn order(&self) -> &BoxedUint {
        &self.q
    }

    pub(crate) fn generator(&self) -> &Fe {
        &self.g
    }

    /// `base^e` in constant time for `e` of a fixed precision.
    pub(crate) fn pow(&self, base: &Fe, e: &BoxedUint) -> Fe {
        base.pow(e)
    }

    pub(crate) fn mul(&self, x: &Fe, y: &Fe) -> Fe {
        x.mul(y)
    }

    /// The value as `len(p)` bytes (the encoding of Part 11 §9.4.5 and of the shared secret).
    pub(crate) fn encode(&self, y: &Fe) -> Vec<u8> {
        self.field.to_be(y)
    }

    /// Decodes and validates a peer's value (RFC 2631 §2.1.5): `1 < y < p - 1`, `y^q = 1`.
    pub(crate) fn decode(&self, bytes: &[u8]) -> Result<Fe, Invalid> {
        if bytes.is_empty() || bytes.len() > self.field.len() {
            return Err(Invalid::Encoding);
        }
        let y = BoxedUint::from_be_slice(bytes, self.field.precision())
            .map_err(|_| Invalid::Encoding)?;
        if y.bit_width_vartime() < 2 || y.cmp_vartime(&self.p_minus_1) != core::cmp::Ordering::Less
        {
            return Err(Invalid::Range);
        }
        let y = self.field.element_vartime(&y).ok_or(Invalid::Range)?;
        if !y.pow(&self.q).ct_eq(&self.field.one()).to_bool() {
            return Err(Invalid::NotInSubgroup);
        }
        Ok(y)
    }

    /// Whether `y` is 1 (public results only).
    pub(crate) fn is_one(&self, y: &Fe) -> bool {
        y.ct_eq(&self.field.one()).to_bool()
    }

    /// f_g of Part 11 §4.4.3.3.2: `x^((p-1)/q) mod p`.
    pub(crate) fn encode_to_group(&self, x: &Fe) -> Fe {
        x.pow(&self.cofactor)
    }
}

/// Strips leading zero bytes of a public big-endian integer (explicit parameters may carry a
/// sign byte or FE2OS padding).
fn strip(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or(&[])
}

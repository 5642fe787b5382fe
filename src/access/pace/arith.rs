//! Constant-time arithmetic for PACE over heap-allocated `crypto-bigint` Montgomery forms: the
//! prime-order subgroups of Z_p^* (RFC 5114 groups), random scalars, and the validation errors
//! shared with the curves of [`super::ec`].
//!
//! Secrets (private exponents, the nonce s) only meet constant-time operations (Montgomery
//! exponentiation, constant-time reduction); public values (peer keys, domain parameters) are
//! validated in variable time.

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, CtEq, NonZero, Odd, Resize};
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

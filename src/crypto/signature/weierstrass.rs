//! ECDSA verification (SEC 1 v2 §4.1.4) on a prime-field short-Weierstrass curve given by its domain
//! parameters, with `crypto-bigint` arithmetic. Used for curves that have no RustCrypto crate
//! (brainpoolP512r1). Verification handles only public data, so variable-time arithmetic is acceptable.

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Odd};

use super::SignatureError;

/// A curve y² = x³ + ax + b over GF(p) with a base point of prime order n (cofactor 1).
pub(super) struct Curve {
    fp: BoxedMontyParams,
    n: Odd<BoxedUint>,
    fn_: BoxedMontyParams,
    a: BoxedMontyForm,
    b: BoxedMontyForm,
    g: (BoxedMontyForm, BoxedMontyForm),
    bits: u32,
    coord_len: usize,
}

/// A point in Jacobian coordinates; `None` is the point at infinity.
type Jacobian = Option<(BoxedMontyForm, BoxedMontyForm, BoxedMontyForm)>;

fn uint(bytes: &[u8], bits: u32) -> Result<BoxedUint, SignatureError> {
    BoxedUint::from_be_slice(bytes, bits)
        .map_err(|_| SignatureError::BadParameters("integer too large".into()))
}

impl Curve {
    /// Build from big-endian p, a, b, n and the uncompressed generator.
    pub(super) fn new(
        p: &[u8],
        a: &[u8],
        b: &[u8],
        n: &[u8],
        g: &[u8],
    ) -> Result<Self, SignatureError> {
        let coord_len = p.len();
        let bits = u32::try_from(coord_len.max(n.len()).div_ceil(8).saturating_mul(64))
            .map_err(|_| SignatureError::BadParameters("curve too large".into()))?;
        let bad = || SignatureError::BadParameters("curve parameters".into());
        let p_odd = Option::<Odd<BoxedUint>>::from(Odd::new(uint(p, bits)?)).ok_or_else(bad)?;
        let n_odd = Option::<Odd<BoxedUint>>::from(Odd::new(uint(n, bits)?)).ok_or_else(bad)?;
        let fp = BoxedMontyParams::new_vartime(p_odd);
        let fn_ = BoxedMontyParams::new_vartime(n_odd.clone());
        let (gx, gy) = split_point(g, coord_len)?;
        let fe = |v: &[u8]| -> Result<BoxedMontyForm, SignatureError> {
            Ok(BoxedMontyForm::new(uint(v, bits)?, &fp))
        };
        let curve = Self {
            a: fe(a)?,
            b: fe(b)?,
            g: (fe(gx)?, fe(gy)?),
            fp: fp.clone(),
            n: n_odd,
            fn_,
            bits,
            coord_len,
        };
        Ok(curve)
    }

    fn on_curve(&self, x: &BoxedMontyForm, y: &BoxedMontyForm) -> bool {
        let lhs = y.square();
        let rhs = x.square().mul(x).add(&self.a.mul(x)).add(&self.b);
        lhs.retrieve() == rhs.retrieve()
    }

    fn double(&self, p: &Jacobian) -> Jacobian {
        let (x, y, z) = p.as_ref()?;
        if bool::from(y.is_zero()) {
            return None;
        }
        let yy = y.square();
        let s = x.mul(&yy).double().double();
        let zz = z.square();
        let m = x
            .square()
            .double()
            .add(&x.square())
            .add(&self.a.mul(&zz.square()));
        let x3 = m.square().sub(&s.double());
        let y3 = m
            .mul(&s.sub(&x3))
            .sub(&yy.square().double().double().double());
        let z3 = y.mul(z).double();
        Some((x3, y3, z3))
    }

    fn add(&self, p: &Jacobian, q: &Jacobian) -> Jacobian {
        let Some((x1, y1, z1)) = p.as_ref() else {
            return q.clone();
        };
        let Some((x2, y2, z2)) = q.as_ref() else {
            return p.clone();
        };
        let z1z1 = z1.square();
        let z2z2 = z2.square();
        let u1 = x1.mul(&z2z2);
        let u2 = x2.mul(&z1z1);
        let s1 = y1.mul(z2).mul(&z2z2);
        let s2 = y2.mul(z1).mul(&z1z1);
        if u1.retrieve() == u2.retrieve() {
            return if s1.retrieve() == s2.retrieve() {
                self.double(p)
            } else {
                None
            };
        }
        let h = u2.sub(&u1);
        let r = s2.sub(&s1);
        let hh = h.square();
        let hhh = hh.mul(&h);
        let v = u1.mul(&hh);
        let x3 = r.square().sub(&hhh).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&s1.mul(&hhh));
        let z3 = h.mul(z1).mul(z2);
        Some((x3, y3, z3))
    }

    /// u1·G + u2·Q by simultaneous double-and-add (Shamir's trick).
    fn mul_add(&self, u1: &BoxedUint, u2: &BoxedUint, q: &Jacobian) -> Jacobian {
        let one = BoxedMontyForm::one(&self.fp);
        let g: Jacobian = Some((self.g.0.clone(), self.g.1.clone(), one));
        let gq = self.add(&g, q);
        let mut acc: Jacobian = None;
        let top = u1.bit_width_vartime().max(u2.bit_width_vartime());
        for i in (0..top).rev() {
            acc = self.double(&acc);
            match (bool::from(u1.bit(i)), bool::from(u2.bit(i))) {
                (true, true) => acc = self.add(&acc, &gq),
                (true, false) => acc = self.add(&acc, &g),
                (false, true) => acc = self.add(&acc, q),
                (false, false) => {}
            }
        }
        acc
    }

    /// Verify an ECDSA signature (r, s big-endian) over `prehash` with the uncompressed public point.
    pub(super) fn verify(
        &self,
        point: &[u8],
        prehash: &[u8],
        r: &[u8],
        s: &[u8],
    ) -> Result<(), SignatureError> {
        let (qx, qy) = split_point(point, self.coord_len)?;
        let p = self.fp.modulus().as_ref();
        let (qx, qy) = (uint(qx, self.bits)?, uint(qy, self.bits)?);
        if qx >= *p || qy >= *p {
            return Err(SignatureError::BadPublicKey(
                "EC point coordinate not below p".into(),
            ));
        }
        let (qx, qy) = (
            BoxedMontyForm::new(qx, &self.fp),
            BoxedMontyForm::new(qy, &self.fp),
        );
        if !self.on_curve(&qx, &qy) {
            return Err(SignatureError::BadPublicKey(
                "EC point not on the curve".into(),
            ));
        }
        let n = self.n.as_ref();
        let r = uint(r, self.bits).map_err(|_| SignatureError::MalformedSignature)?;
        let s = uint(s, self.bits).map_err(|_| SignatureError::MalformedSignature)?;
        if bool::from(r.is_zero()) || bool::from(s.is_zero()) || r >= *n || s >= *n {
            return Err(SignatureError::Invalid);
        }
        // e = leftmost bitlen(n) bits of the hash (SEC 1 §4.1.4 step 3); then e < 2^bitlen(n) < 2n.
        let nbits = n.bit_width_vartime();
        let hash_bits = u32::try_from(prehash.len().saturating_mul(8))
            .map_err(|_| SignatureError::BadParameters("digest too long".into()))?;
        let wide = BoxedUint::from_be_slice_vartime(prehash);
        let e = if hash_bits > nbits {
            wide.wrapping_shr_vartime(hash_bits - nbits)
        } else {
            wide
        };
        let e = uint(&e.to_be_bytes_trimmed_vartime(), self.bits)?;
        let e = if e >= *n { e.wrapping_sub(n) } else { e };
        let fe = |v: BoxedUint| BoxedMontyForm::new(v, &self.fn_);
        let w = Option::<BoxedMontyForm>::from(fe(s).invert_vartime())
            .ok_or(SignatureError::Invalid)?;
        let u1 = fe(e).mul(&w).retrieve();
        let u2 = fe(r.clone()).mul(&w).retrieve();
        let one = BoxedMontyForm::one(&self.fp);
        let q = Some((qx, qy, one));
        let Some((x, _, z)) = self.mul_add(&u1, &u2, &q) else {
            return Err(SignatureError::Invalid);
        };
        let z_inv = Option::<BoxedMontyForm>::from(z.square().invert_vartime())
            .ok_or(SignatureError::Invalid)?;
        let x_affine = x.mul(&z_inv).retrieve();
        let v = if x_affine >= *n {
            x_affine.wrapping_sub(n)
        } else {
            x_affine
        };
        if v == r {
            Ok(())
        } else {
            Err(SignatureError::Invalid)
        }
    }
}

fn split_point(point: &[u8], coord_len: usize) -> Result<(&[u8], &[u8]), SignatureError> {
    let bad = || {
        SignatureError::BadPublicKey(
            "EC point is not an uncompressed point of the curve's size".into(),
        )
    };
    let rest = point.strip_prefix(&[0x04]).ok_or_else(bad)?;
    if rest.len() != coord_len.saturating_mul(2) {
        return Err(bad());
    }
    Ok(rest.split_at(coord_len))
}

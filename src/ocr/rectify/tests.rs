//! Unit tests of `ocr::rectify`.

use super::*;

#[test]
fn homography_maps_the_corners() {
    let src = [(0.0, 0.0), (10.0, 0.0), (10.0, 1.0), (0.0, 1.0)];
    let dst = [(100.0, 50.0), (400.0, 60.0), (390.0, 120.0), (105.0, 110.0)];
    let h = Homography::from_points(src, dst).unwrap();
    for (s, d) in src.iter().zip(dst.iter()) {
        let p = h.apply(s.0, s.1);
        assert!(
            (p.0 - d.0).abs() < 1e-2 && (p.1 - d.1).abs() < 1e-2,
            "{p:?} vs {d:?}"
        );
    }
}

#[test]
fn degenerate_points_give_none() {
    let p = [(0.0, 0.0); 4];
    assert!(Homography::from_points(p, p).is_none());
}

#[test]
fn rotating_cells_twice_is_identity() {
    let cells: Vec<f32> = (0..CELL_LEN * 3).map(|i| i as f32).collect();
    assert_eq!(rotate_cells_180(&rotate_cells_180(&cells)), cells);
}

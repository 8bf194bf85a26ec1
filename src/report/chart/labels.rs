//! Label placement for the quadrant chart: each label goes next to its point where it
//! overlaps least with the other labels and the points.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

/// A box `(x0, y0, x1, y1)` in pixels.
type Bbox = (f64, f64, f64, f64);

/// Area of the intersection of two boxes (0 when they do not meet).
fn overlap(a: Bbox, b: Bbox) -> f64 {
    let w = (a.2.min(b.2) - a.0.max(b.0)).max(0.0);
    let h = (a.3.min(b.3) - a.1.max(b.1)).max(0.0);
    w * h
}

/// Place labels next to points without overlapping each other or the points: the
/// top-left corner of each label box, and whether it sits away from its point (then a
/// leader line is drawn). Crowded points are placed first; each tries 12 positions
/// around its point, then the 8 main directions pushed 25 to 170 px further out (the
/// farther, the costlier), and takes the position overlapping least.
pub(super) fn place_labels(
    pts: &[(f64, f64)],
    sizes: &[(f64, f64)],
    area: Bbox,
) -> Vec<((f64, f64), bool)> {
    let n = pts.len();
    let boxes: Vec<Bbox> = pts
        .iter()
        .map(|&(x, y)| (x - 8.0, y - 8.0, x + 8.0, y + 8.0))
        .collect();
    let crowd = |&(px, py): &(f64, f64)| {
        pts.iter()
            .filter(|p| (p.0 - px).abs() < 60.0 && (p.1 - py).abs() < 30.0)
            .count()
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(pts.get(i).map_or(0, crowd)));
    let mut out = vec![((0.0, 0.0), false); n];
    let mut labels: Vec<Option<Bbox>> = vec![None; n];
    let scene = Scene {
        boxes: &boxes,
        area,
    };
    // greedy placement, crowded points first, then two passes that move each label
    // to its best place given all the others
    for pass in 0..3 {
        let mut moved = false;
        for &i in &order {
            let (Some(&pt), Some(&size)) = (pts.get(i), sizes.get(i)) else {
                continue;
            };
            let (b, far) = scene.best_place(i, pt, size, &labels);
            if let (Some(l), Some(o)) = (labels.get_mut(i), out.get_mut(i)) {
                if *l != Some(b) {
                    moved = true;
                }
                *l = Some(b);
                *o = ((b.0, b.1), far);
            }
        }
        if pass > 0 && !moved {
            break;
        }
    }
    out
}

/// The candidate offsets `(dx, dy, push)` of a `w` x `h` label's top-left corner from
/// its point: 12 near positions (push 0), then the 8 main directions pushed 25 to
/// 170 px further out.
fn candidates(w: f64, h: f64) -> Vec<(f64, f64, f64)> {
    let mut cands: Vec<(f64, f64, f64)> = [
        (10.0, -h / 2.0),
        (-10.0 - w, -h / 2.0),
        (6.0, -h - 6.0),
        (6.0, 6.0),
        (-w / 2.0, -h - 10.0),
        (-w / 2.0, 10.0),
        (-6.0 - w, -h - 6.0),
        (-6.0 - w, 6.0),
        (10.0, -1.5 * h - 4.0),
        (10.0, 0.5 * h + 4.0),
        (-10.0 - w, -1.5 * h - 4.0),
        (-10.0 - w, 0.5 * h + 4.0),
    ]
    .iter()
    .map(|&(dx, dy)| (dx, dy, 0.0))
    .collect();
    for push in [25.0, 50.0, 85.0, 125.0, 170.0] {
        for (ux, uy) in [
            (1.0, 0.0),
            (-1.0, 0.0),
            (0.0, -1.0),
            (0.0, 1.0),
            (1.0, -1.0),
            (1.0, 1.0),
            (-1.0, -1.0),
            (-1.0, 1.0),
        ] {
            let dx = if ux > 0.0 {
                10.0 + push
            } else if ux < 0.0 {
                -10.0 - w - push
            } else {
                -w / 2.0
            };
            let dy = if uy > 0.0 {
                8.0 + push * 0.6
            } else if uy < 0.0 {
                -h - 8.0 - push * 0.6
            } else {
                -h / 2.0
            };
            cands.push((dx, dy, push));
        }
    }
    cands
}

/// What a label must avoid: the point markers and the plotting area's edges.
struct Scene<'a> {
    boxes: &'a [Bbox],
    area: Bbox,
}

impl Scene<'_> {
    /// The box of label `i` (point `pt`, size `size`) at its cheapest candidate, and
    /// whether it was pushed away. Cost = 1000 x distance outside the area + 0.01 x
    /// candidate rank + (30 + push / 2 for a pushed label) + 5 x the area overlapping
    /// the points and the other labels.
    fn best_place(
        &self,
        i: usize,
        (x, y): (f64, f64),
        (w, h): (f64, f64),
        labels: &[Option<Bbox>],
    ) -> (Bbox, bool) {
        let area = self.area;
        let cands = candidates(w, h);
        let mut best = (f64::INFINITY, cands.first().copied().unwrap_or_default());
        for (c, &(dx, dy, push)) in cands.iter().enumerate() {
            let b = (x + dx, y + dy, x + dx + w, y + dy + h);
            let outside = (area.0 - b.0).max(0.0)
                + (b.2 - area.2).max(0.0)
                + (area.1 - b.1).max(0.0)
                + (b.3 - area.3).max(0.0);
            // near positions first; a pushed label costs more the farther it goes
            let far_cost = if push > 0.0 { 30.0 + 0.5 * push } else { 0.0 };
            let mut cost = outside * 1000.0 + c as f64 * 0.01 + far_cost;
            for o in self.boxes.iter().chain(
                labels
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| *k != i)
                    .filter_map(|(_, l)| l.as_ref()),
            ) {
                cost += 5.0 * overlap(b, *o);
            }
            if cost < best.0 {
                best = (cost, (dx, dy, push));
            }
        }
        let (dx, dy, push) = best.1;
        ((x + dx, y + dy, x + dx + w, y + dy + h), push > 0.0)
    }
}

//! Graph checks of the inner model: acyclicity, the first cycle (to name it in
//! the error) and the topological order of the constructs.

/// True when the paths form no cycle (Kahn's algorithm, O(V + E)).
fn acyclic(q: usize, paths: &[(usize, usize)]) -> bool {
    let mut indeg = vec![0usize; q];
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); q];
    for &(a, b) in paths {
        if let (Some(d), Some(s)) = (indeg.get_mut(b), succ.get_mut(a)) {
            *d += 1;
            s.push(b);
        }
    }
    let mut ready: Vec<usize> = (0..q).filter(|&j| indeg.get(j) == Some(&0)).collect();
    let mut taken = 0usize;
    while let Some(v) = ready.pop() {
        taken += 1;
        for &w in succ.get(v).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(d) = indeg.get_mut(w) {
                *d -= 1;
                if *d == 0 {
                    ready.push(w);
                }
            }
        }
    }
    taken == q
}

/// The first path (in declaration order) that closes a cycle, with the cycle (see
/// [`dfs_cycle`]). The path is found
/// by bisection over prefixes of the path list (a prefix with a cycle stays one when
/// extended), so a model of many constructs costs O((V + E) log E), and the search
/// uses no recursion.
pub(super) fn first_cycle(q: usize, paths: &[(usize, usize)]) -> Option<(usize, Vec<usize>)> {
    if acyclic(q, paths) {
        return None;
    }
    // smallest m with a cycle in paths[..m]: paths[m - 1] closes it
    let (mut lo, mut hi) = (0usize, paths.len());
    while lo + 1 < hi {
        let mid = lo + (hi - lo) / 2;
        if acyclic(q, paths.get(..mid).unwrap_or(&[])) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let k = hi.checked_sub(1)?;
    Some((k, dfs_cycle(q, paths.get(..=k).unwrap_or(&[]))?))
}

/// A cycle of the graph, as a depth-first search from construct 0, 1, ... (following
/// paths in declaration order) first meets it: the constructs from the one met again
/// along the search, with that one repeated at the end. Iterative (no recursion on
/// long chains).
fn dfs_cycle(q: usize, paths: &[(usize, usize)]) -> Option<Vec<usize>> {
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); q];
    for &(a, b) in paths {
        if let Some(s) = succ.get_mut(a) {
            s.push(b);
        }
    }
    // 0 = unvisited, 1 = on the stack, 2 = done
    let mut state = vec![0u8; q];
    for root in 0..q {
        if state.get(root) != Some(&0) {
            continue;
        }
        // (vertex, next successor to look at)
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        if let Some(st) = state.get_mut(root) {
            *st = 1;
        }
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            let Some(&w) = succ.get(v).and_then(|s| s.get(*next)) else {
                if let Some(st) = state.get_mut(v) {
                    *st = 2;
                }
                stack.pop();
                continue;
            };
            *next += 1;
            match state.get(w) {
                Some(1) => {
                    let start = stack.iter().position(|&(x, _)| x == w).unwrap_or(0);
                    let mut cycle: Vec<usize> = stack.iter().skip(start).map(|&(x, _)| x).collect();
                    cycle.push(w);
                    return Some(cycle);
                }
                Some(0) => {
                    if let Some(st) = state.get_mut(w) {
                        *st = 1;
                    }
                    stack.push((w, 0));
                }
                _ => {}
            }
        }
    }
    None
}

/// Constructs in topological order: passes over the constructs in index order,
/// each taking every construct whose predecessors are all taken (also those taken
/// earlier in the same pass). Computed with a heap in O((V + E) log V) instead of
/// repeated passes.
pub(super) fn topo_order(pred: &[Vec<usize>], succ: &[Vec<usize>]) -> Vec<usize> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let q = pred.len();
    let mut remaining: Vec<usize> = pred.iter().map(Vec::len).collect();
    let mut order = Vec::with_capacity(q);
    let mut pass: BinaryHeap<Reverse<usize>> = (0..q)
        .filter(|&j| remaining.get(j) == Some(&0))
        .map(Reverse)
        .collect();
    let mut next: Vec<usize> = Vec::new();
    loop {
        while let Some(Reverse(j)) = pass.pop() {
            order.push(j);
            for &s in succ.get(j).map(Vec::as_slice).unwrap_or(&[]) {
                if let Some(r) = remaining.get_mut(s) {
                    *r = r.saturating_sub(1);
                    if *r == 0 {
                        // the pass has not reached s yet when s > j
                        if s > j {
                            pass.push(Reverse(s));
                        } else {
                            next.push(s);
                        }
                    }
                }
            }
        }
        if next.is_empty() {
            break;
        }
        pass.extend(next.drain(..).map(Reverse));
    }
    order
}

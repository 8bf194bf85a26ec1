//! Consistent PLS (placeholder while written).

//! Charts (plotters): being written.

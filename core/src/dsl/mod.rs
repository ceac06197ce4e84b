//! The two DSLs of the benchmark, each a [`Domain`](crate::domain::Domain).

pub mod deepcoder;
pub mod robustfill;

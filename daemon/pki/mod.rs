//! STUB
pub mod cli;
use crate::node::NodeId;
use chrono::{DateTime, Utc};
use std::path::Path;
pub struct IssueRequest {
    pub node: NodeId,
    pub dns_names: Vec<String>,
    pub ip_addresses: Vec<std::net::IpAddr>,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}
pub fn init_ca(_d: &Path, _n: &str, _days: u32) -> anyhow::Result<()> {
    todo!()
}
pub fn issue(_d: &Path, _r: &IssueRequest, _c: &Path, _k: &Path) -> anyhow::Result<()> {
    todo!()
}
pub fn write_private(_p: &Path, _c: &[u8]) -> anyhow::Result<()> {
    todo!()
}

//! The head file `<actor-file>.head`: the last record's seq and MAC, with a
//! MAC of its own. A chain alone cannot show that records were cut from its
//! end; the head can, as long as it is not rolled back together with the log.

use super::key::AuditKey;
use crate::error::{IoContext, Result};
use crate::store::fsio;
use std::io::Write;
use std::path::{Path, PathBuf};

const HEAD_DOMAIN: &[u8] = b"ward-audit-head-v1";
const MAGIC: &str = "ward-audit-head-v1";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    pub seq: u64,
    pub mac: String,
    pub head_mac: String,
}

impl Head {
    pub fn new(key: &AuditKey, chain: &str, seq: u64, mac: &str) -> Head {
        let head_mac = super::hex(&key.mac(HEAD_DOMAIN, chain, signed(seq, mac).as_bytes()));
        Head {
            seq,
            mac: mac.to_string(),
            head_mac,
        }
    }

    pub fn path(dir: &Path, chain: &str) -> PathBuf {
        dir.join(format!("{chain}.head"))
    }

    pub fn verify(&self, key: &AuditKey, chain: &str) -> bool {
        Head::new(key, chain, self.seq, &self.mac).head_mac == self.head_mac
    }

    /// `Ok(None)` when there is no head file; `Err` when it is unreadable.
    pub fn read(dir: &Path, chain: &str) -> std::result::Result<Option<Head>, String> {
        let path = Head::path(dir, chain);
        let text = match fsio::read_file_max(&path, crate::store::MAX_SMALL_FILE_BYTES) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(format!(
                    "cannot read {}: {}",
                    path.display(),
                    super::link_error(&path, e)
                ))
            }
        };
        let parts: Vec<&str> = text.split_whitespace().collect();
        match parts.as_slice() {
            [MAGIC, seq, mac, head_mac] => Ok(Some(Head {
                seq: seq.parse().map_err(|_| "damaged head file".to_string())?,
                mac: mac.to_string(),
                head_mac: head_mac.to_string(),
            })),
            _ => Err("damaged head file".into()),
        }
    }

    /// Overwrites the head in place: fixed length, one `pwrite`, so no
    /// rename (and no folder fsync) is needed.
    pub fn write(&self, dir: &Path, chain: &str, fsync: bool) -> Result<()> {
        let path = Head::path(dir, chain);
        // "magic seq(20 digits) mac head_mac\n": always the same length.
        let text = format!(
            "{MAGIC} {} {}\n",
            signed(self.seq, &self.mac),
            self.head_mac
        );
        // Never through a link: set_len would truncate whatever it points to.
        let mut file = fsio::open_rw(&path).map_err(|e| super::link_error(&path, e))?;
        file.write_all(text.as_bytes()).at(&path)?;
        file.set_len(text.len() as u64).at(&path)?;
        if fsync {
            file.sync_data().at(&path)?;
        }
        Ok(())
    }
}

fn signed(seq: u64, mac: &str) -> String {
    format!("{seq:020} {mac}")
}

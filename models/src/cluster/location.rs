//! Where the private cluster's files live.
//!
//! Normally in `<data dir>/postgres`. As root, PostgreSQL runs as the `postgres` user, which
//! cannot enter a data directory under a private parent (root's home is mode 0700 on every Debian
//! install, and so is a `mktemp -d` directory). Rather than loosen the permissions of the user's
//! home, the cluster then lives under [`RELOCATED_ROOT`], in a directory named after the data
//! directory, and `<data dir>/postgres` is a symbolic link to it: the data survives restarts and
//! a reader of the data directory sees where it went.

use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use super::ClusterError;
use super::tools::Tools;

/// Where relocated clusters live (the Filesystem Hierarchy Standard's place for state data).
pub const RELOCATED_ROOT: &str = "/var/lib/chatterly/clusters";

/// The cluster directory kept for `data_dir` under `root`: one per data directory, named by a
/// digest of its canonical path so that two checkouts never share a cluster.
pub(super) fn relocated_dir(root: &Path, data_dir: &Path) -> PathBuf {
    let digest = Sha256::digest(data_dir.as_os_str().as_encoded_bytes());
    let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    root.join(name)
}

/// The cluster directory for the canonical `data_dir`, creating the relocated directory and its
/// link when the server's user cannot enter `data_dir`.
pub(super) async fn resolve(tools: &Tools, data_dir: &Path) -> Result<PathBuf, ClusterError> {
    let link = data_dir.join("postgres");
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ClusterError::Io { path, source }
    };
    match std::fs::symlink_metadata(&link) {
        Ok(meta) if meta.file_type().is_symlink() => {
            let target = std::fs::read_link(&link).map_err(io(&link))?;
            Ok(data_dir.join(target))
        }
        Ok(_) => {
            if tools.can_enter(&link).await {
                Ok(link)
            } else {
                Err(ClusterError::Unreachable { dir: link })
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if !tools.as_service_user() || tools.can_enter(data_dir).await {
                return Ok(link);
            }
            let target = relocated_dir(Path::new(RELOCATED_ROOT), data_dir);
            std::fs::create_dir_all(&target).map_err(io(&target))?;
            std::os::unix::fs::symlink(&target, &link).map_err(io(&link))?;
            tracing::info!(
                cluster = %target.display(),
                link = %link.display(),
                "the postgres user cannot enter the data directory, so the private PostgreSQL \
                 cluster is kept where it can, with a link from the data directory"
            );
            Ok(target)
        }
        Err(e) => Err(ClusterError::Io {
            path: link,
            source: e,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_data_directory_has_its_own_relocated_cluster() {
        let root = Path::new(RELOCATED_ROOT);
        let a = relocated_dir(root, Path::new("/root/chatterly/data"));
        let b = relocated_dir(root, Path::new("/root/other/data"));
        assert_ne!(a, b);
        assert_eq!(a, relocated_dir(root, Path::new("/root/chatterly/data")));
        assert_eq!(a.parent(), Some(root));
        let name = a.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        assert_eq!(name.len(), 16);
        assert!(name.chars().all(|c| c.is_ascii_hexdigit()));
    }
}

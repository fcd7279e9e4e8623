//! The rendition cache, outside the output (`[images] cache`, default `.gazette-cache` in the
//! site folder): `photos/KEY.EXT`, one file per rendition, named by its key (the source's content
//! hash plus every parameter that changes its bytes), and `photos/index.json`, what each source
//! photo was when it was last read (size, mtime, inode, content hash, size in pixels, embedded
//! text). A source whose file still matches its record is neither read nor decoded.
//!
//! The index carries a format version; one that does not parse or has another version is
//! discarded with a warning, which costs reading (not decoding) each photo again. Deleting the
//! whole cache only costs time.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::meta::Meta;

/// The index's format and the rendition pipeline's: Gazette's version and those of the crates
/// that decode, resize and encode (from the `Cargo.lock` it was built with), since a new encoder
/// makes other bytes and the cache must not serve the old ones.
pub fn version() -> String {
    static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let lock = include_str!("../../Cargo.lock");
        let mut v = format!("gazette-photos 2 {}", env!("CARGO_PKG_VERSION"));
        for package in lock.split("[[package]]") {
            let field = |key: &str| {
                package
                    .lines()
                    .find_map(|l| l.strip_prefix(key))
                    .map(|r| r.trim_matches(|c| c == ' ' || c == '"' || c == '='))
            };
            if let (Some(name), Some(version)) = (field("name"), field("version"))
                && ["image", "jpeg-decoder", "fast_image_resize", "webp", "libwebp-sys"].contains(&name)
            {
                v.push_str(&format!(" {name}-{version}"));
            }
        }
        v
    });
    VERSION.clone()
}

/// One source photo as last read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRecord {
    pub len: u64,
    pub mtime_ns: i128,
    pub ino: u64,
    /// Hash of the file's bytes.
    pub hash: u64,
    /// Stored size (before the orientation is applied).
    pub width: u32,
    pub height: u32,
    pub orientation: u8,
    pub codec: super::pixels::Codec,
    pub meta: Meta,
    /// The file is CMYK (a warning on each build, not only the one that read it).
    pub cmyk: bool,
}

#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub version: String,
    /// Path under the site folder → record.
    pub sources: BTreeMap<String, SourceRecord>,
}

/// The cache folder of one site.
pub struct Cache {
    pub dir: PathBuf,
}

impl Cache {
    pub fn new(root: &Path) -> Self {
        Cache { dir: root.join("photos") }
    }

    fn index_path(&self) -> PathBuf {
        self.dir.join("index.json")
    }

    /// The index, or an empty one; `Err(why)` when one was there but cannot be trusted.
    pub fn read_index(&self) -> (Index, Option<String>) {
        let path = self.index_path();
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (Index::default(), None),
            Err(e) => return (Index::default(), Some(format!("reading {}: {e}", path.display()))),
        };
        // The version first: another version's records may have other fields.
        #[derive(Deserialize)]
        struct Versioned {
            version: String,
        }
        match serde_json::from_str::<Versioned>(&text) {
            Ok(v) if v.version != version() => {
                return (Index::default(), Some(format!("{} is of another version (`{}`)", path.display(), v.version)));
            }
            Ok(_) => {}
            Err(e) => return (Index::default(), Some(format!("{} does not parse: {e}", path.display()))),
        }
        match serde_json::from_str::<Index>(&text) {
            Ok(index) => (index, None),
            Err(e) => (Index::default(), Some(format!("{} does not parse: {e}", path.display()))),
        }
    }

    /// Writes the index through a temporary file and a rename, so a reader never sees half.
    pub fn write_index(&self, index: &Index) -> anyhow::Result<()> {
        use anyhow::Context;
        fs::create_dir_all(&self.dir).with_context(|| format!("creating {}", self.dir.display()))?;
        let text = serde_json::to_string(index).context("writing the photo index")?;
        put(&self.index_path(), text.as_bytes())
    }

    /// Where the rendition with this key is kept.
    pub fn rendition(&self, key: u64, ext: &str) -> PathBuf {
        self.dir.join(format!("{key:016x}.{ext}"))
    }

    /// Removes every rendition not in `keep` (file names); gives how many went.
    pub fn prune(&self, keep: &std::collections::HashSet<String>) -> anyhow::Result<usize> {
        use anyhow::Context;
        let Ok(entries) = fs::read_dir(&self.dir) else { return Ok(0) };
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_rendition = name.ends_with(".jpg") || name.ends_with(".webp");
            // A temporary file an interrupted build left (one being written now is recent).
            let stale_tmp = name.ends_with(".tmp")
                && entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t.elapsed().is_ok_and(|e| e.as_secs() > 3600));
            if (is_rendition && !keep.contains(&name)) || stale_tmp {
                fs::remove_file(entry.path()).with_context(|| format!("removing {}", entry.path().display()))?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// Writes `bytes` at `path` by a temporary file beside it and a rename.
pub fn put(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context;
    // Unique to this process and this call: two sources with the same bytes have the same
    // renditions, which two threads may write at once.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.{}-{n}.tmp", std::process::id()));
    fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_version_names_the_codec_crates() {
        let v = super::version();
        for name in ["image-0.", "jpeg-decoder-0.", "fast_image_resize-", "webp-0.", "libwebp-sys-0."] {
            assert!(v.contains(name), "{v}");
        }
    }
}

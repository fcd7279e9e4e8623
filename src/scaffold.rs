//! Scaffolding for people starting out: `gazette new SITE` (a working site), `gazette new story`
//! (a dated story skeleton in the right place) and `gazette theme eject` (copies of the embedded
//! theme files to edit).

use std::path::{Path, PathBuf};

use anyhow::Result;

/// Creates a working site in `dir` (which must not exist or be empty). Returns the text to print:
/// what was made and the two commands to build and serve it.
pub fn new_site(dir: &Path) -> Result<String> {
    anyhow::bail!("not yet implemented: new_site {}", dir.display())
}

/// What `gazette new story` writes.
#[derive(Debug, Clone)]
pub struct NewStory {
    pub site_dir: PathBuf,
    pub headline: String,
    pub section: Option<String>,
    pub wire: bool,
    /// The story's date and time (the clock, or `--now`).
    pub now: jiff::Timestamp,
}

/// Writes a dated story skeleton; returns its path.
pub fn new_story(story: &NewStory) -> Result<PathBuf> {
    anyhow::bail!("not yet implemented: new_story {:?}", story.headline)
}

/// Copies the embedded theme files (all, or those named) into `SITE/templates/`; refuses to
/// overwrite unless `force`. Returns the files written.
pub fn eject(site_dir: &Path, files: &[String], force: bool) -> Result<Vec<PathBuf>> {
    anyhow::bail!("not yet implemented: eject {} {files:?} {force}", site_dir.display())
}

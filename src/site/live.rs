//! Live coverage and breaking news in the model.
//!
//! A story with `live = true` (or `live = false`, once coverage ended) collects entries: the story
//! files directly in the `NAME.live/` folder beside its file (`world/storm.md` →
//! `world/storm.live/*.md|txt`), each parsed like a story (`parse::parse_story`, so Markdown is
//! rendered and wire copy escaped as story bodies are). [`split_entries`] takes them out of the
//! stories before versions are grouped, so an entry is never a story; [`attach`] gives each its
//! live story, newest first (ties by path), with an `id` unique on the page. Nothing is lost: a
//! file in a folder under an entries folder is a located error, and an entries folder with no live
//! story beside it is a located warning per file.
//!
//! Breaking news ([`breaking`]): a listed story whose newest version is `URGENT` (Korean `[속보]`)
//! or says `breaking = true`, for `breaking_minutes` after that version's time.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use jiff::Zoned;
use typed_index_collections::{TiSlice, TiVec};

use super::{Chain, ChainId, StoryId, Visibility};
use crate::config::{Config, LangId};
use crate::diag::Diagnostic;
use crate::parse::{Coverage, EntryDepth, LIVE_FOLDER_EXT, Story, Version, live_folder};
use crate::text::slugify;

/// One entry of a live story.
#[derive(Debug, Clone)]
pub struct Entry {
    pub story: Arc<Story>,
    /// Its fragment on the page (`entry-0915-surge`), unique among the story's entries.
    pub id: String,
}

/// Where a live story's coverage stands at the build's time (what decides the "live" badge).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LiveState {
    /// `live = true` and no `live_until`, or one after the build's time: the badge shows.
    Running,
    /// `live = false`, or `live_until` has passed.
    Ended,
}

/// Takes the entry files out of `stories` (sorted by path, which it keeps): the entries, and an
/// error for each file in a folder under an entries folder.
pub fn split_entries(
    config: &Config,
    stories: &mut TiVec<StoryId, Arc<Story>>,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Arc<Story>> {
    let mut entries = Vec::new();
    stories.retain(|s| match live_folder(Path::new(&s.source)) {
        None => true,
        Some((_, EntryDepth::Direct)) => {
            entries.push(Arc::clone(s));
            false
        }
        Some((folder, EntryDepth::Nested)) => {
            let msg = format!(
                "a live entry goes directly in {}/, not in a folder under it",
                folder.to_string_lossy().replace('\\', "/")
            );
            errors.push(Diagnostic::new(&super::urls::content_path(config, &s.source), 1, 1, msg));
            false
        }
    });
    entries
}

/// The entries folder of a story file: `world/storm.md` → `world/storm.live`.
fn folder_of(source: &str) -> String {
    let path = Path::new(source);
    path.with_extension(LIVE_FOLDER_EXT).to_string_lossy().replace('\\', "/")
}

/// Gives each entry its live story's chain, newest first (ties by path), with unique ids; an entry
/// whose folder has no live story beside it gets a warning. Each chain's `modified` becomes its
/// newest entry's time when that is later. Returns the entries by chain.
pub fn attach(
    config: &Config,
    stories: &TiSlice<StoryId, Arc<Story>>,
    chains: &mut TiSlice<ChainId, Chain>,
    entries: Vec<Arc<Story>>,
    warnings: &mut Vec<Diagnostic>,
) -> (HashMap<ChainId, Vec<Entry>>, usize) {
    if entries.is_empty() {
        return (HashMap::new(), 0);
    }
    let mut owners: HashMap<String, (ChainId, bool)> = HashMap::new();
    // The page shows what the chain's newest version says: a folder beside any version belongs
    // to the chain, and is shown when that version is live.
    for (c, chain) in chains.iter_enumerated() {
        let live = stories[chain.newest()].coverage.is_live_story();
        for &v in chain.versions() {
            owners.insert(folder_of(&stories[v].source), (c, live));
        }
    }
    let mut by_chain: BTreeMap<ChainId, Vec<Arc<Story>>> = BTreeMap::new();
    let mut orphaned = 0;
    for e in entries {
        let folder = live_folder(Path::new(&e.source)).map(|(f, _)| f.to_string_lossy().replace('\\', "/"));
        let folder = folder.unwrap_or_default();
        match owners.get(&folder) {
            Some(&(c, true)) => {
                photo_warnings(config, &e, warnings);
                by_chain.entry(c).or_default().push(e)
            }
            found => {
                orphaned += 1;
                let story = folder.strip_suffix(".live").unwrap_or(&folder);
                let msg = match found {
                    Some(_) => format!(
                        "live entry left out: the story beside {folder}/ is not marked `live` (in its newest version)"
                    ),
                    None => format!("live entry left out: {folder}/ has no story beside it ({story}.md or .txt)"),
                };
                let hint =
                    "a live story says `live = true` in its front matter; its entries go in NAME.live/ beside it";
                let file = super::urls::content_path(config, &e.source);
                warnings.push(Diagnostic::new(&file, 1, 1, msg).with_hint(hint));
            }
        }
    }
    let mut out = HashMap::new();
    for (c, mut list) in by_chain {
        list.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.source.cmp(&b.source)));
        if let Some(newest) = list.first()
            && newest.date > chains[c].modified
        {
            chains[c].modified = newest.date.clone();
        }
        out.insert(c, with_ids(list));
    }
    (out, orphaned)
}

/// The photos stage does not see entries: a photo an entry names is a located warning, not a
/// silently broken image.
fn photo_warnings(config: &Config, e: &Story, warnings: &mut Vec<Diagnostic>) {
    for p in &e.photos {
        let file = super::urls::content_path(config, &e.source);
        let msg = format!("photo `{}` in a live entry is not processed or copied", p.src);
        let hint = "live entries show text only; put the photo in the live story itself";
        warnings.push(Diagnostic::new(&file, p.line, p.col, msg).with_hint(hint));
    }
}

/// Entry ids from the file names (`0915-surge.md` → `entry-0915-surge`), unique on the page: a
/// second file of one name gets `-2`, and so on, in path order.
fn with_ids(list: Vec<Arc<Story>>) -> Vec<Entry> {
    let mut by_path: Vec<usize> = (0..list.len()).collect();
    by_path.sort_by(|&a, &b| list[a].source.cmp(&list[b].source));
    let mut ids = vec![String::new(); list.len()];
    let mut taken = std::collections::HashSet::new();
    for i in by_path {
        let stem = Path::new(&list[i].source).file_stem().map(|s| s.to_string_lossy().into_owned());
        let slug = slugify(&stem.unwrap_or_default());
        let base = if slug.is_empty() { "entry".to_string() } else { format!("entry-{slug}") };
        let mut id = base.clone();
        let mut n = 2;
        while !taken.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        ids[i] = id;
    }
    list.into_iter().zip(ids).map(|(story, id)| Entry { story, id }).collect()
}

/// A live story's state at `now`.
pub fn state(coverage: &Coverage, now: &Zoned) -> Option<LiveState> {
    match coverage {
        Coverage::None => None,
        Coverage::Live { until } if until.as_ref().is_none_or(|u| u > now) => Some(LiveState::Running),
        Coverage::Live { .. } | Coverage::Ended { .. } => Some(LiveState::Ended),
    }
}

/// When an ended coverage ended: its `live_until`, else its newest entry's time, else `fallback`.
pub fn end_time<'a>(coverage: &'a Coverage, entries: &'a [Entry], fallback: &'a Zoned) -> &'a Zoned {
    let until = match coverage {
        Coverage::Live { until } | Coverage::Ended { until } => until.as_ref(),
        Coverage::None => None,
    };
    until.or_else(|| entries.first().map(|e| &e.story.date)).unwrap_or(fallback)
}

/// A breaking story of a language's banner: its chain, the time it broke and when it leaves.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Breaking {
    pub chain: ChainId,
    pub since: Zoned,
    pub until: Zoned,
}

/// The breaking stories of `lang` at `now`, newest first (ties by URL): listed chains whose newest
/// version is `URGENT` or says `breaking = true`, from that version's time for `config.breaking`.
pub fn breaking(
    config: &Config,
    stories: &TiSlice<StoryId, Arc<Story>>,
    chains: &TiSlice<ChainId, Chain>,
    home: &[ChainId],
    lang: LangId,
) -> Vec<Breaking> {
    let now = &config.now;
    let mut out: Vec<Breaking> = home
        .iter()
        .filter(|&&c| chains[c].lang == lang && chains[c].visibility == Visibility::Listed)
        .filter_map(|&c| {
            let (since, until) = breaking_window(config, &stories[chains[c].newest()])?;
            (since <= *now && until > *now).then_some(Breaking { chain: c, since, until })
        })
        .collect();
    out.sort_by(|a, b| b.since.cmp(&a.since).then_with(|| chains[a.chain].path.cmp(&chains[b.chain].path)));
    out
}

/// When a story is in its language's breaking banner, whatever the time: from its time for
/// `config.breaking`, if its version is URGENT or it says `breaking = true`.
fn breaking_window(config: &Config, s: &Story) -> Option<(Zoned, Zoned)> {
    if s.headline.version != Version::Urgent && !s.breaking {
        return None;
    }
    let since = s.release_time().clone();
    let until = since.checked_add(config.breaking).ok()?;
    Some((since, until))
}

/// The first time after `config.now` at which a live story's badge goes (its `live_until`) or a
/// story enters or leaves its language's breaking banner: until then [`state`] and [`breaking`]
/// give what they give now.
pub fn next_change(
    config: &Config,
    stories: &TiSlice<StoryId, Arc<Story>>,
    chains: &TiSlice<ChainId, Chain>,
) -> Option<Zoned> {
    let now = &config.now;
    chains
        .iter()
        .flat_map(|chain| {
            let s = &stories[chain.newest()];
            let until = match &s.coverage {
                Coverage::Live { until } => until.clone(),
                Coverage::None | Coverage::Ended { .. } => None,
            };
            let (since, ends) = breaking_window(config, s).unzip();
            [until, since, ends]
        })
        .flatten()
        .filter(|t| t > now)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{ParseOptions, parse_story};

    fn entry(path: &str) -> Arc<Story> {
        let text = "+++\ntitle = \"E\"\ndate = 2024-05-10T09:00:00Z\n+++\nx\n";
        Arc::new(parse_story(Path::new(path), text, &ParseOptions::new(jiff::tz::TimeZone::UTC)).unwrap())
    }

    #[test]
    fn ids_come_from_file_names_and_are_unique_in_path_order() {
        let list = ["w/s.live/b.md", "w/s.live/a.md", "w/s.live/B.md", "w/s.live/---.md", "w/s.live/A.md"];
        let ids: Vec<String> = with_ids(list.iter().map(|p| entry(p)).collect()).into_iter().map(|e| e.id).collect();
        // Named in path order (---.md, A.md, B.md, a.md, b.md); listed in the input's order.
        assert_eq!(ids, ["entry-b-2", "entry-a-2", "entry-b", "entry", "entry-a"]);
    }

    #[test]
    fn state_table() {
        let now: Zoned = "2024-05-10T12:00:00+00:00[UTC]".parse().unwrap();
        let at = |t: &str| Some(format!("2024-05-10T{t}:00+00:00[UTC]").parse::<Zoned>().unwrap());
        let cases = [
            (Coverage::None, None),
            (Coverage::Live { until: None }, Some(LiveState::Running)),
            (Coverage::Live { until: at("12:01") }, Some(LiveState::Running)),
            (Coverage::Live { until: at("12:00") }, Some(LiveState::Ended)),
            (Coverage::Ended { until: None }, Some(LiveState::Ended)),
            (Coverage::Ended { until: at("13:00") }, Some(LiveState::Ended)),
        ];
        for (coverage, want) in cases {
            assert_eq!(state(&coverage, &now), want, "{coverage:?}");
        }
    }

    #[test]
    fn entries_folders_table() {
        let cases = [
            ("world/storm.live/a.md", Some(("world/storm.live", EntryDepth::Direct))),
            ("world/storm.live/x/a.md", Some(("world/storm.live", EntryDepth::Nested))),
            ("world/storm.md", None),
            ("world/.live/a.md", None),
            ("world/live/a.md", None),
        ];
        for (path, want) in cases {
            let got = live_folder(Path::new(path)).map(|(f, d)| (f.to_str().unwrap(), d));
            assert_eq!(got, want, "{path}");
        }
        assert_eq!(folder_of("world/storm.ko.md"), "world/storm.ko.live");
    }
}

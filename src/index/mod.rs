//! The persistent on-disk index of events (tantivy): the only module that imports tantivy.
//!
//! One `Index` is opened per directory and shared across threads (it is a cheap clone of an
//! `Arc`). One `Writer` at a time may add events; tantivy's lock file makes a second writer, in
//! this process or another, fail with [`IndexError::InUse`]. Commits are atomic: an ingest killed
//! half way leaves the index at its last commit.
//!
//! A damaged index is refused, not served: every open checks the committed segments' files
//! (`verify.rs`, remembering what passed in `verified.rs`), an engine error runs the full
//! check to name the damaged segment, and `reindex` (`repair.rs`) drops damaged segments.

mod compile;
mod error;
mod exact;
mod merge_policy;
mod meta;
mod reader;
mod repair;
mod schema;
mod stats;
mod store_impl;
mod verified;
mod verify;
mod writer;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use tantivy::{IndexReader, IndexSettings, ReloadPolicy};

pub use error::IndexError;
pub use meta::{CommitMeta, InputRecord, MAX_INPUTS, MIXED};
pub use reader::SearchHits;
pub use repair::Repair;
pub use schema::SCHEMA_VERSION;
pub use stats::IndexStats;
pub use stats::fold_case as fold_channel_case;
pub use verify::{FileProblem, Health, SegmentHealth};
pub use writer::Writer;

use error::other;
use schema::Fields;

/// Bytes per compressed doc-store block. Reading one event decompresses its whole block, and
/// tagged/verified reads are scattered, so blocks smaller than tantivy's 16 KB default make those
/// reads several times cheaper for a slightly larger store.
const DOC_STORE_BLOCK: usize = 4096;
/// Doc-store blocks each segment reader keeps decompressed.
const DOC_STORE_CACHE_BLOCKS: usize = 256;

/// An open on-disk index; clone it freely to share it.
#[derive(Clone)]
pub struct Index {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    dir: PathBuf,
    index: tantivy::Index,
    reader: IndexReader,
    fields: Fields,
    meta: RwLock<CommitMeta>,
}

impl Index {
    /// Open the index in `dir`, creating a private (0700) directory and an empty index if
    /// absent: only the commands that add events (`ingest`, `demo`) may create one.
    ///
    /// Creation is atomic: the new index is built in a sibling directory and renamed into
    /// place, so another process (an ingest and a `stats` started together) sees either no
    /// index or a whole one, never a half-made directory it would take for a foreign one.
    pub fn create_or_open(dir: &Path) -> Result<Index, IndexError> {
        if !holds_index(dir) {
            // Not empty: a foreign directory, unless another opener's index was renamed into
            // place between the two looks (the rename is atomic, so a second look tells).
            if dir.is_dir() && fs::read_dir(dir)?.next().is_some() && !holds_index(dir) {
                return Err(IndexError::Other(format!(
                    "{} is not empty and holds no huntbench index: choose an empty or new directory with --index",
                    dir.display()
                )));
            }
            create_atomically(dir)?;
        }
        Self::open_dir(dir)
    }

    /// Open the index in `dir`, which must exist: creates nothing (no directory, no parent),
    /// so a mistyped `--index` is an error naming the path rather than an empty answer.
    pub fn open_existing(dir: &Path) -> Result<Index, IndexError> {
        if !holds_index(dir) {
            return Err(IndexError::Missing(dir.to_path_buf()));
        }
        Self::open_dir(dir)
    }

    /// Check every file of every committed segment of the index in `dir` (existence, size,
    /// checksum), ignoring what earlier checks remembered. Works on a damaged index, which
    /// [`Index::open_existing`] refuses.
    pub fn verify(dir: &Path) -> Result<Health, IndexError> {
        if !holds_index(dir) {
            return Err(IndexError::Missing(dir.to_path_buf()));
        }
        let index = open_engine(dir)?;
        verify::check(&index, dir, verify::Depth::Full)
    }

    /// Does `dir` hold a huntbench index (of any schema version)?
    pub fn exists(dir: &Path) -> bool {
        holds_index(dir)
    }

    fn open_dir(dir: &Path) -> Result<Index, IndexError> {
        let fields = Fields::build();
        let index = open_engine(dir)?;
        if index.schema() != fields.schema {
            // Same version number but another layout: only a development build can do this.
            return Err(IndexError::SchemaMismatch {
                dir: dir.to_path_buf(),
                found: 0,
                expected: SCHEMA_VERSION,
            });
        }
        // Before any segment is opened: a damaged one would answer wrongly (garbage in a fast
        // field reads as other times) or fail naming no file. Only changed files are
        // checksummed, so an unchanged index opens in a few stats and one small read.
        let health = verify::check(&index, dir, verify::Depth::Changed)?;
        if !health.is_whole() {
            return Err(health.into_error());
        }
        schema::register_tokenizers(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .doc_store_cache_num_blocks(DOC_STORE_CACHE_BLOCKS)
            .try_into()
            .map_err(other)?;
        let payload = index.load_metas().map_err(other)?.payload;
        Ok(Index {
            inner: Arc::new(Inner {
                dir: dir.to_path_buf(),
                index,
                reader,
                fields,
                meta: RwLock::new(CommitMeta::parse(payload.as_deref())),
            }),
        })
    }

    /// Run `read`; when it fails inside the engine, check every file and, if the index is
    /// damaged, say which segment and file instead of the engine's message (which often names
    /// neither).
    pub(crate) fn checked<T>(
        &self,
        read: impl FnOnce() -> Result<T, IndexError>,
    ) -> Result<T, IndexError> {
        read().map_err(|e| self.inner.diagnose(e))
    }

    /// Take the single writer of this index; `InUse` when another one is alive.
    pub fn writer(&self) -> Result<Writer, IndexError> {
        Writer::new(self.inner.clone())
    }

    /// See the latest commit (made by any process).
    pub fn reload(&self) -> Result<(), IndexError> {
        self.inner.reload()
    }

    /// Number of committed events visible since the last reload.
    pub fn num_events(&self) -> u64 {
        self.inner.reader.searcher().num_docs()
    }

    /// Bytes the index takes on disk.
    pub fn size_bytes(&self) -> u64 {
        dir_size(&self.inner.dir)
    }

    /// The index directory.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Fingerprints of the saved queries that tagged the events, from the last commit payload.
    pub fn tag_fingerprints(&self) -> BTreeMap<String, String> {
        self.inner
            .meta
            .read()
            .map(|m| m.tag_fingerprints.clone())
            .unwrap_or_default()
    }
}

impl Index {
    /// The files ingested, oldest first, and how many older names were left out to keep the
    /// record bounded; `None` for an index built before huntbench recorded its inputs.
    pub fn inputs(&self) -> (Option<Vec<InputRecord>>, u64) {
        self.inner
            .meta
            .read()
            .map(|m| (m.inputs.clone(), m.inputs_omitted))
            .unwrap_or_default()
    }
}

impl Inner {
    /// An engine or I/O error may be damage: run the full check and name it when it is.
    pub(crate) fn diagnose(&self, e: IndexError) -> IndexError {
        if !matches!(e, IndexError::Other(_) | IndexError::Io(_)) {
            return e;
        }
        match verify::check(&self.index, &self.dir, verify::Depth::Full) {
            Ok(health) if !health.is_whole() => health.into_error(),
            _ => e,
        }
    }

    fn reload(&self) -> Result<(), IndexError> {
        self.reader.reload().map_err(|e| self.diagnose(other(e)))?;
        let payload = self.index.load_metas().map_err(other)?.payload;
        if let Ok(mut m) = self.meta.write() {
            *m = CommitMeta::parse(payload.as_deref());
        }
        Ok(())
    }
}

/// The tantivy index in `dir`, if it is of this schema version: an older layout is not damage,
/// it needs a new index whatever its files say, so it is told apart before any file is read.
pub(crate) fn open_engine(dir: &Path) -> Result<tantivy::Index, IndexError> {
    let found = meta::read_version(dir);
    if found != SCHEMA_VERSION {
        return Err(IndexError::SchemaMismatch {
            dir: dir.to_path_buf(),
            found,
            expected: SCHEMA_VERSION,
        });
    }
    tantivy::Index::open_in_dir(dir).map_err(|e| unreadable_meta(dir, e))
}

/// An index directory has tantivy's meta or our version file (an index from before
/// versioning has only the former; it is refused later with the schema advice).
fn holds_index(dir: &Path) -> bool {
    dir.join("meta.json").exists() || dir.join(meta::VERSION_FILE).exists()
}

/// Build an empty index (version file, then tantivy's files) in a private (0700: event logs
/// are sensitive) sibling of `dir`, then rename it to `dir`. The rename replaces a missing or
/// empty `dir` in one step; when another process's index got there first, ours is discarded
/// and theirs is used.
fn create_atomically(dir: &Path) -> Result<(), IndexError> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Missing parents (the data directory) are as private as the index: event logs are
    // sensitive.
    crate::paths::create_private_dir(&parent)?;
    let name = dir
        .file_name()
        .map_or_else(|| "index".into(), |n| n.to_string_lossy().into_owned());
    // Unique per process and per call: two threads of one process creating at the same
    // moment must not build into one directory.
    static BUILDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = BUILDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // The time too, so a directory a killed process with the same pid left is never reused.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = parent.join(format!(
        ".{name}.creating-{}-{n}-{nanos}",
        std::process::id()
    ));
    let built = build_empty(&tmp).and_then(|()| {
        fs::rename(&tmp, dir).or_else(|e| {
            if dir.join(meta::VERSION_FILE).exists() {
                Ok(()) // another process created it a moment ago
            } else {
                Err(IndexError::Io(e))
            }
        })
    });
    let _ = fs::remove_dir_all(&tmp); // gone after a successful rename
    built
}

fn build_empty(tmp: &Path) -> Result<(), IndexError> {
    crate::paths::create_private_dir(tmp)?;
    meta::write_version(tmp, SCHEMA_VERSION)?;
    let settings = IndexSettings {
        docstore_blocksize: DOC_STORE_BLOCK,
        ..IndexSettings::default()
    };
    tantivy::Index::builder()
        .schema(Fields::build().schema)
        .settings(settings)
        .create_in_dir(tmp)
        .map_err(other)?;
    Ok(())
}

/// tantivy could not read the commit itself (meta.json): no segment can be named.
fn unreadable_meta(dir: &Path, e: impl std::fmt::Display) -> IndexError {
    IndexError::Other(format!(
        "index {} is damaged: its commit file {} cannot be read ({e}); the segments it listed are unknown, so the events must be ingested again into a new index",
        dir.display(),
        dir.join("meta.json").display()
    ))
}

fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

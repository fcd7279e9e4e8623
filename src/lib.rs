//! Gazette: a static news-site generator.
//!
//! The build is a pipeline of stages, one module each (see `ARCHITECTURE.md`):
//! `config` → `load` → `parse` (and `authors`) → `site` → `index` → `plan` → `render` → `write`, run in order by
//! [`pipeline::build`].

pub mod authors;
pub mod bodies;
pub mod check;
pub mod config;
pub mod diag;
pub mod index;
pub mod load;
pub mod locale;
pub mod parse;
pub mod photos;
pub mod pipeline;
pub mod plan;
pub mod publish;
pub mod render;
pub mod scaffold;
pub mod serve;
pub mod session;
pub mod site;
pub mod state;
pub mod text;
pub mod watch;
pub mod write;

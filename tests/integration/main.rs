//! One integration test binary: each module drives the `gazette` binary over fixture sites and
//! checks the files it writes and its error output.

mod archive;
mod authors;
mod build;
mod cache;
mod check;
mod errors;
mod faults;
mod feeds;
mod feeds_g2;
mod feeds_site;
mod hostile;

mod incremental;
mod korean_wire;
mod languages;
mod live;
mod news;
mod paywall;
mod photos;
mod props;
mod publish;
mod scaffold;
mod search;
mod serve;
mod serve_faults;
mod serve_load;
mod state;
mod support;
mod versions;

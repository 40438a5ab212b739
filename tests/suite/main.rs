//! The whole-gateway test suite, one binary: real gateways and `threadgate backend` servers
//! on ephemeral loopback ports, real HTTP clients, the platforms' own client libraries, golden
//! files. Expensive set-ups (the demo store, the id map, a backend service) are shared by every
//! module through [`common`].

mod answer_cache;
mod check_config;
mod common;
mod conditional_query;
mod embedded_plan;
mod gateway;
mod http_faults;
mod idmap;
mod idmap_cache;
mod import;
mod import_from;
mod import_from_cli;
mod import_from_platforms;
mod limits;
mod principal_answers;
mod quip;
mod quip_client;
mod quip_paging;
mod quip_ratelimit;
mod quip_threads;
mod quip_upstream;
mod quip_upstream_faults;
mod rocketchat_client;
mod rocketchat_dm;
mod rocketchat_mapped;
mod rocketchat_passthrough;
mod rocketchat_ratelimit;
mod rocketchat_rooms;
mod rocketchat_rooms_cross;
mod rocketchat_rooms_info;
mod rocketchat_thread;
mod rocketchat_upstream;
mod selfcommunity;
mod selfcommunity_client;
mod selfcommunity_cross;
mod selfcommunity_upstream;
mod selfcommunity_upstream_faults;
mod service;
mod shadow;
mod shutdown;
mod tls_upstream;

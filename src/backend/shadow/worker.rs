//! The queue's consumer: at most `workers` jobs at once, each the shadow call (with its own
//! timeout), the comparison, and for the noise share a second call of the primary.

use super::compare::{answer_value, compare, Comparison};
use super::stats::Sample;
use super::{Job, ShadowState};
use crate::backend::{is_backend_failure, QueryContext};
use crate::canonical::{Error, Order, Page, Slice, Target, ThreadQuery, UserRef};
use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, Semaphore};

/// Samples kept per path from one comparison (one answer with a hundred changed texts keeps
/// room for other differences in the ring).
const SAMPLES_PER_PATH: usize = 3;

/// Starts the thread `threadgate-shadow` with a runtime of its own that runs [`dispatch`];
/// at the lowest CPU priority when `low_priority` (its blocking threads, where embedded
/// stores run their queries, inherit it).
pub(super) fn start(
    jobs: mpsc::Receiver<Job>,
    state: Arc<ShadowState>,
    workers: usize,
    low_priority: bool,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .thread_name("threadgate-shadow")
        .build()
        .map_err(|e| format!("shadow runtime: {e}"))?;
    std::thread::Builder::new()
        .name("threadgate-shadow".into())
        .spawn(move || {
            if low_priority {
                lower_priority();
            }
            runtime.block_on(dispatch(jobs, state, workers));
        })
        .map_err(|e| format!("shadow thread: {e}"))?;
    Ok(())
}

/// Puts the calling thread in the `SCHED_IDLE` class (it runs only when no other thread of
/// the machine wants the CPU), else at nice 19; threads it starts inherit it.
#[cfg(target_os = "linux")]
fn lower_priority() {
    // SAFETY: the pointer is to a live, initialised sched_param; gettid and setpriority take
    // no pointers. On Linux, both calls with a thread id change that thread only.
    let (idle, nice) = unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::pid_t;
        let param = libc::sched_param { sched_priority: 0 };
        let idle = libc::sched_setscheduler(tid, libc::SCHED_IDLE, &param);
        let nice = libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 19);
        (idle, nice)
    };
    if idle != 0 && nice != 0 {
        tracing::warn!(
            error = %std::io::Error::last_os_error(),
            "shadow workers keep the normal CPU priority"
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

/// Runs jobs until the queue's sender is gone (the gateway stopped).
async fn dispatch(mut jobs: mpsc::Receiver<Job>, state: Arc<ShadowState>, workers: usize) {
    let slots = Arc::new(Semaphore::new(workers));
    while let Some(job) = jobs.recv().await {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let state = state.clone();
        tokio::spawn(async move {
            run(&state, job).await;
            state.pending.fetch_sub(1, Ordering::Relaxed);
            drop(slot);
        });
    }
}

async fn run(state: &ShadowState, job: Job) {
    let shadow = match ask(state, &job, false).await {
        Ok(answer) => answer,
        Err(outcome) => {
            state.outcome(outcome);
            return;
        }
    };
    let primary = answer_value(&job.primary);
    let cmp = compare(&primary, &answer_value(&shadow), &state.ignore);
    state.outcome(if cmp.differences.is_empty() {
        "match"
    } else {
        "differ"
    });
    record(state, &job, &cmp);
    if state.noise_due() {
        if let Ok(again) = ask(state, &job, true).await {
            let noise = compare(&primary, &answer_value(&again), &state.ignore);
            let labels = job.labels;
            state
                .stats()
                .record(labels.dialect, labels.route, &noise, true);
        }
    }
}

/// Asks the shadow (or, for noise, the primary again, on the gateway's runtime) within the
/// shadow's timeout; `Err` is the outcome when it failed as a backend (`timeout`, `error`).
async fn ask(
    state: &ShadowState,
    job: &Job,
    primary: bool,
) -> Result<Result<Page, Error>, &'static str> {
    let ctx = QueryContext {
        request_id: job.request_id.clone(),
        deadline: Some(Instant::now() + state.timeout),
        credential: job.credential.clone(),
        labels: Some(job.labels),
    };
    let started = Instant::now();
    let answer = if primary {
        // On the gateway's runtime, at the primary's priority: a starved call here would
        // hold one of the primary's connections.
        let (backend, query) = (state.primary.clone(), job.query.clone());
        let call = state
            .gateway
            .spawn(async move { backend.query(&query, &ctx).await });
        match tokio::time::timeout(state.timeout, call).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(e)) => Err(Error::Internal(format!("second primary call: {e}"))),
            Err(_) => Err(Error::BackendTimeout),
        }
    } else {
        match tokio::time::timeout(state.timeout, state.shadow.query(&job.query, &ctx)).await {
            Ok(answer) => answer,
            Err(_) => Err(Error::BackendTimeout),
        }
    };
    let failed = matches!(&answer, Err(e) if is_backend_failure(e));
    if !primary {
        state
            .backend_metrics
            .backend_call(&state.label, "query", !failed, started.elapsed());
    }
    match answer {
        Err(Error::BackendTimeout) => Err("timeout"),
        Err(e) if is_backend_failure(&e) => {
            tracing::debug!(error = %e, backend = %state.label, "shadow call failed");
            Err("error")
        }
        answer => Ok(answer),
    }
}

/// Counts a shadow comparison, keeps its samples, writes its differences to the log.
fn record(state: &ShadowState, job: &Job, cmp: &Comparison) {
    for path in cmp.differed() {
        state.metrics.differences.with_label_values(&[path]).inc();
    }
    let now = crate::server::context::now_usec();
    let query = summary(&job.query);
    let samples: Vec<Sample> = cmp
        .differences
        .iter()
        .map(|d| Sample {
            time_usec: now,
            request_id: job.request_id.clone(),
            dialect: job.labels.dialect,
            route: job.labels.route,
            query: query.clone(),
            path: d.path.clone(),
            at: d.at.clone(),
            primary: d.primary.clone(),
            shadow: d.other.clone(),
        })
        .collect();
    if let Some(log) = &state.log {
        let mut lines = Vec::new();
        for s in &samples {
            if serde_json::to_writer(&mut lines, s).is_ok() {
                lines.push(b'\n');
            }
        }
        let mut file = log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Err(e) = file.write_all(&lines) {
            tracing::warn!(error = %e, "shadow.log: cannot write");
        }
    }
    let mut stats = state.stats();
    stats.record(job.labels.dialect, job.labels.route, cmp, false);
    let mut per_path: std::collections::HashMap<String, usize> = Default::default();
    for s in samples {
        let n = per_path.entry(s.path.clone()).or_default();
        *n += 1;
        if *n <= SAMPLES_PER_PATH {
            stats.keep(s);
        }
    }
}

/// A query in a few words: target, as whom, order, slice, extras. Never a credential.
pub fn summary(q: &ThreadQuery) -> String {
    let target = match &q.target {
        Target::Room(id) => format!("room {id}"),
        Target::Direct { peer } => match peer {
            UserRef::Id(id) => format!("direct with user {id}"),
            UserRef::Username(name) => format!("direct with @{name}"),
        },
        Target::Group(id) => format!("group {id}"),
        Target::Replies(id) => format!("replies to {id}"),
        Target::Conversations => "conversations".to_owned(),
    };
    let slice = match &q.slice {
        Slice::Offset { offset, limit } => match limit {
            Some(l) => format!("offset {offset}, limit {l}"),
            None => format!("offset {offset}, all"),
        },
        Slice::Cursor { after, limit } => match after {
            Some(a) => format!("after {a}, limit {limit}"),
            None => format!("first {limit}"),
        },
    };
    let order = match q.order {
        Order::Ascending => "oldest first",
        Order::Descending => "newest first",
    };
    let mut out = format!("{target} as {} · {order} · {slice}", q.principal.username);
    if q.want_total {
        out.push_str(" · total");
    }
    if q.unreads.is_some() {
        out.push_str(" · unreads");
    }
    out
}

//! A small pool of read connections. A query waits (fairly, first come first served) for a
//! permit, then runs with a connection checked out of the pool, on a blocking thread or,
//! when its cost is bounded, right on the async thread; the connection goes back when the
//! work ends, even if it panicked.

use crate::canonical::Error;
use rusqlite::Connection;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

pub(super) struct ReadPool {
    idle: Mutex<Vec<Connection>>,
    /// One permit per connection; closed when the store shuts down.
    permits: Arc<Semaphore>,
}

/// A checked-out connection; returns itself to the pool when dropped.
struct Checkout<'a> {
    pool: &'a ReadPool,
    conn: Option<Connection>,
}

impl Drop for Checkout<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // A poisoned lock still holds a consistent Vec: push/pop cannot half-happen.
            let mut idle = self.pool.idle.lock().unwrap_or_else(|e| e.into_inner());
            idle.push(conn);
        }
    }
}

impl ReadPool {
    pub(super) fn new(conns: Vec<Connection>) -> ReadPool {
        let permits = Arc::new(Semaphore::new(conns.len()));
        ReadPool {
            idle: Mutex::new(conns),
            permits,
        }
    }

    /// Refuses all further work; work under way finishes.
    pub(super) fn close(&self) {
        self.permits.close();
    }

    pub(super) fn is_closed(&self) -> bool {
        self.permits.is_closed()
    }

    fn checkout(&self) -> Result<Checkout<'_>, Error> {
        let conn = self
            .idle
            .lock()
            .map_err(|_| Error::Internal("read pool lock poisoned".into()))?
            .pop()
            .ok_or_else(|| Error::Internal("read pool: permit without a connection".into()))?;
        Ok(Checkout {
            pool: self,
            conn: Some(conn),
        })
    }

    /// Runs `work` on a read connection on the calling thread (benchmarks: no runtime, no
    /// thread hop; the connection must be idle).
    pub(super) fn run_here<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let checkout = self.checkout()?;
        match checkout.conn.as_ref() {
            Some(conn) => work(conn),
            None => Err(Error::Internal("read pool: empty checkout".into())),
        }
    }

    /// Runs `work` on a read connection on the calling async thread, after waiting for a
    /// permit like [`ReadPool::run`]. Only for work whose cost is bounded and small (a page of
    /// bounded size read through indexes and marks): for that, the hop to a blocking thread
    /// and back costs more than the work itself.
    pub(super) async fn run_inline<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| Error::BackendUnavailable("embedded store is closed".into()))?;
        let checkout = self.checkout()?;
        match checkout.conn.as_ref() {
            Some(conn) => work(conn),
            None => Err(Error::Internal("read pool: empty checkout".into())),
        }
    }

    /// Runs `work` on a read connection on a blocking thread.
    pub(super) async fn run<T, F>(self: &Arc<Self>, work: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| Error::BackendUnavailable("embedded store is closed".into()))?;
        let pool = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let checkout = pool.checkout()?;
            match checkout.conn.as_ref() {
                Some(conn) => work(conn),
                None => Err(Error::Internal("read pool: empty checkout".into())),
            }
        })
        .await
        .map_err(|e| Error::Internal(format!("store task failed: {e}")))?
    }
}

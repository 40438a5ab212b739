//! The body of every answer of the API listener: whole bytes (what the dialects encode and
//! every layer renders), or a stream (a passed-through upstream answer, frame by frame as it
//! arrives, never gathered).

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Any error a streamed body may end with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// An answer's body.
pub struct AnswerBody {
    kind: Kind,
}

enum Kind {
    Full(Full<Bytes>),
    Stream(UnsyncBoxBody<Bytes, BoxError>),
}

impl AnswerBody {
    /// A body of `bytes`, sent whole.
    pub fn full(bytes: Bytes) -> AnswerBody {
        AnswerBody {
            kind: Kind::Full(Full::new(bytes)),
        }
    }

    /// A body sent frame by frame as `body` yields them.
    pub fn stream<B>(body: B) -> AnswerBody
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        AnswerBody {
            kind: Kind::Stream(body.map_err(Into::into).boxed_unsync()),
        }
    }
}

impl Body for AnswerBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.kind {
            Kind::Full(full) => Pin::new(full)
                .poll_frame(cx)
                .map_err(|never| match never {}),
            Kind::Stream(stream) => Pin::new(stream).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Full(full) => full.is_end_stream(),
            Kind::Stream(stream) => stream.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Full(full) => full.size_hint(),
            Kind::Stream(stream) => stream.size_hint(),
        }
    }
}

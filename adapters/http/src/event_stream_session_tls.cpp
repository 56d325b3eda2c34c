// EventStreamSession over TLS (event_stream_session_impl.hpp says why one file per stream type).

#include "event_stream_session_impl.hpp"

namespace libsync::web {

template class EventStreamSession<TlsStream>;

}  // namespace libsync::web

package dev.parley.examples.server;

import io.javalin.http.Context;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an action when the client of a request that writes nothing until it ends goes away: a
 * non-streaming completion would otherwise hold a model slot for its whole reply after its client
 * disconnected. Streaming replies find out by writing; this is for the ones that cannot.
 *
 * <p>Jetty does not read an HTTP/1.1 connection while its request is handled, so it would not see
 * the client's end of stream until the response is written. Once the request body has been read,
 * this asks the connection's endpoint to say when it becomes readable: the end of stream (or a
 * reset) is the client leaving. The response then closes the connection ({@code Connection:
 * close}): the read interest is this class's, not Jetty's, and a byte a pipelining client sent
 * early would be lost, so the connection is not reused. A completion takes seconds; a new
 * connection for the next one costs a handshake.
 */
final class ClientDisconnect {
  private static final Logger LOG = LoggerFactory.getLogger(ClientDisconnect.class);

  private ClientDisconnect() {}

  /** What {@link #onClose} returns: closing it stops the action from running. */
  interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  /** Watches the client of {@code ctx}, whose body must have been read; {@code action} runs at most once. */
  static Registration onClose(Context ctx, Runnable action) {
    AtomicBoolean done = new AtomicBoolean();
    Request request;
    try {
      request = ServletContextRequest.getServletContextRequest(ctx.req());
    } catch (IllegalStateException notJetty) {
      return () -> done.set(true);
    }
    EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
    Runnable gone = () -> {
      if (done.compareAndSet(false, true)) {
        LOG.debug("the client of {} {} went away", ctx.method(), ctx.path());
        action.run();
      }
    };
    request.addFailureListener(failure -> gone.run());
    Callback readable = new Callback() {
      @Override
      public void succeeded() {
        if (done.get()) {
          return;
        }
        try {
          int n = endPoint.fill(BufferUtil.allocate(256)); // Jetty buffers start empty, in flush mode
          if (n < 0) {
            gone.run();
          } else if (!done.get()) {
            endPoint.tryFillInterested(this); // bytes from a pipelining client: dropped, keep watching
          }
        } catch (IOException reset) {
          gone.run();
        }
      }

      @Override
      public void failed(Throwable failure) {
        // An idle timeout or the connection closing at the end of the response.
        if (!endPoint.isOpen()) {
          gone.run();
        }
      }
    };
    if (!endPoint.tryFillInterested(readable)) {
      return () -> done.set(true); // Jetty is reading this connection itself: it will see the close
    }
    ctx.header("Connection", "close");
    return () -> done.set(true);
  }
}

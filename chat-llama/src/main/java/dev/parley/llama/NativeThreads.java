package dev.parley.llama;

import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a JVM that used llama.cpp exit.
 *
 * <p>java-llama.cpp 4.2.0 starts one native worker thread per loaded model and attaches it to the
 * JVM as a <em>non-daemon</em> thread (it shows as {@code Thread-N}). Closing the model stops the
 * worker, but it never detaches, so the JVM still counts a live non-daemon thread and, once {@code
 * main} returns, waits for it forever. Nothing Java can do detaches it.
 *
 * <p>So after the last open model is closed, a daemon watcher waits for the state in which the JVM
 * would have exited on its own: the launcher's {@code DestroyJavaVM} thread is waiting and every
 * other non-daemon thread is such a detached-but-dead native thread (no Java frames, named {@code
 * Thread-N}). Only then does it call {@link Runtime#exit(int)} with status 0, running shutdown
 * hooks as usual. A program that keeps any thread of its own running is never cut short. Turn it off
 * with {@code -Dparley.llama.exitGuard=false}.
 */
final class NativeThreads {
  private static final Logger LOG = LoggerFactory.getLogger(NativeThreads.class);
  private static final Pattern NATIVE_NAME = Pattern.compile("Thread-\\d+");
  private static int open;
  private static int closed;
  private static Thread watcher;

  private NativeThreads() {}

  static synchronized void modelOpened() {
    open++;
  }

  static synchronized void modelClosed() {
    open--;
    closed++;
    if (watcher == null && !"false".equals(System.getProperty("parley.llama.exitGuard"))) {
      watcher = new Thread(NativeThreads::watch, "parley-llama-exit-guard");
      watcher.setDaemon(true);
      watcher.start();
    }
  }

  private static synchronized boolean anyOpen() {
    return open > 0;
  }

  private static void watch() {
    while (true) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
      if (!anyOpen() && onlyStrandedNativeThreadsRemain()) {
        LOG.debug("main has returned and only llama.cpp's stranded native threads remain: exiting");
        Runtime.getRuntime().exit(0);
        return;
      }
    }
  }

  /** True when DestroyJavaVM waits and every other non-daemon thread is a stranded native one. */
  static boolean onlyStrandedNativeThreadsRemain() {
    boolean destroying = false;
    int stranded = 0;
    for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
      Thread t = e.getKey();
      if (t.isDaemon() || !t.isAlive()) {
        continue;
      }
      if (t.getName().equals("DestroyJavaVM")) {
        destroying = true;
      } else if (NATIVE_NAME.matcher(t.getName()).matches() && e.getValue().length == 0) {
        stranded++;
      } else {
        return false;
      }
    }
    return destroying && stranded > 0;
  }
}

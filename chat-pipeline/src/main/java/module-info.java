/** The whole chat turn in one call: {@code dev.parley.pipeline}'s {@code ChatPipeline}. */
module dev.parley.pipeline {
  requires transitive dev.parley.core;
  requires transitive dev.parley.ratelimit;
  requires org.slf4j;

  exports dev.parley.pipeline;
}

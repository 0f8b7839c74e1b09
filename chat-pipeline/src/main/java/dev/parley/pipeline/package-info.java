/**
 * {@link dev.parley.pipeline.ChatPipeline}: the chat turn as one call, with typed outcomes, for
 * every protocol a server speaks.
 */
@NullMarked
package dev.parley.pipeline;

import org.jspecify.annotations.NullMarked;

/** Parley's models in Spring AI: {@link dev.parley.springai.ParleySpringChatModel}. */
@NullMarked
package dev.parley.springai;

import org.jspecify.annotations.NullMarked;

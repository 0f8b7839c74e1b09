/**
 * Conversation memory: {@link dev.parley.memory.ConversationManager} keeps each conversation's
 * history within a message count and a token budget, behind the {@link
 * dev.parley.memory.ConversationStore} SPI.
 */
@NullMarked
package dev.parley.memory;

import org.jspecify.annotations.NullMarked;

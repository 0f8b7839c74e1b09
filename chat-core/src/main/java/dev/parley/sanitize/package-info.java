/**
 * Input cleaning ({@link dev.parley.sanitize.InputSanitizer}): input is stored as written; escaping
 * belongs to whatever renders it (a template engine, or the page's own sanitizer).
 */
@NullMarked
package dev.parley.sanitize;

import org.jspecify.annotations.NullMarked;

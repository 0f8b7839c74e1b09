package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The defaults the README and docs/server.md give for the server's flags, written as a flag in
 * backquotes and a number in brackets after it ({@code (16)}, {@code (1 MiB)}), are the ones the
 * server has: a changed default fails here until the docs say it.
 */
class DocsFlagsTest {
  private static final Pattern FLAG_WITH_DEFAULT = Pattern.compile("`(--[a-z0-9-]+)`\\s+\\((\\d+(?: MiB)?)\\)");
  private static final Pattern ENV_DEFAULT = Pattern.compile("\\$\\{env:[A-Z0-9_]+:-(.*)}");

  @Test
  void everyDefaultTheDocsGiveIsTheServersDefault() throws IOException {
    CommandLine.Model.CommandSpec spec = new CommandLine(new ServerOptions()).getCommandSpec();
    List<String> checked = new ArrayList<>();
    for (String doc : List.of("../README.md", "../docs/server.md")) {
      Matcher m = FLAG_WITH_DEFAULT.matcher(Files.readString(Path.of(doc), StandardCharsets.UTF_8));
      while (m.find()) {
        String flag = m.group(1);
        OptionSpec option = spec.findOption(flag);
        assertNotNull(option, doc + " names " + flag + ", which the server does not have");
        assertEquals(inCodeTerms(m.group(2)), fallback(option), doc + ": the default of " + flag);
        checked.add(flag);
      }
    }
    assertFalse(checked.isEmpty(), "the docs give no defaults in the form `--flag` (VALUE)");
  }

  /** "1 MiB" as the server writes it: 1048576. */
  private static String inCodeTerms(String documented) {
    Matcher mib = Pattern.compile("(\\d+) MiB").matcher(documented.trim());
    return mib.matches() ? String.valueOf(Long.parseLong(mib.group(1)) << 20) : documented.trim();
  }

  /** The value without its environment variable: what the flag is when neither is set. */
  private static String fallback(OptionSpec option) {
    String d = option.defaultValue();
    Matcher env = ENV_DEFAULT.matcher(d == null ? "" : d);
    return env.matches() ? env.group(1) : String.valueOf(d);
  }
}

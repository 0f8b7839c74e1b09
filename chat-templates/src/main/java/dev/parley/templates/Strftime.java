package dev.parley.templates;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.time.temporal.ChronoField;
import java.util.Locale;

/** Python's {@code datetime.strftime} in the C locale, with glibc's {@code %-d} style flags. */
final class Strftime {
  private Strftime() {}

  static String format(LocalDateTime t, String format, int line) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%' || i + 1 >= format.length()) {
        out.append(c);
        continue;
      }
      char f = format.charAt(++i);
      boolean noPad = false;
      if (f == '-' && i + 1 < format.length()) {
        noPad = true;
        f = format.charAt(++i);
      }
      out.append(switch (f) {
        case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US);
        case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US);
        case 'w' -> String.valueOf(t.getDayOfWeek().getValue() % 7);
        case 'd' -> pad(t.getDayOfMonth(), 2, noPad);
        case 'e' -> noPad ? String.valueOf(t.getDayOfMonth()) : String.format("%2d", t.getDayOfMonth());
        case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.US);
        case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.US);
        case 'm' -> pad(t.getMonthValue(), 2, noPad);
        case 'y' -> pad(t.getYear() % 100, 2, noPad);
        case 'Y' -> String.valueOf(t.getYear());
        case 'H' -> pad(t.getHour(), 2, noPad);
        case 'I' -> pad(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12, 2, noPad);
        case 'p' -> t.getHour() < 12 ? "AM" : "PM";
        case 'M' -> pad(t.getMinute(), 2, noPad);
        case 'S' -> pad(t.getSecond(), 2, noPad);
        case 'f' -> pad(t.getNano() / 1000, 6, false);
        case 'j' -> pad(t.getDayOfYear(), 3, noPad);
        case 'u' -> String.valueOf(t.getDayOfWeek().getValue());
        case 'z', 'Z' -> "";
        case 'D' -> format(t, "%m/%d/%y", line);
        case 'F' -> format(t, "%Y-%m-%d", line);
        case 'T' -> format(t, "%H:%M:%S", line);
        case 'R' -> format(t, "%H:%M", line);
        case 'c' -> format(t, "%a %b %e %H:%M:%S %Y", line);
        case 'x' -> format(t, "%m/%d/%y", line);
        case 'X' -> format(t, "%H:%M:%S", line);
        case 'G' -> String.valueOf(t.get(java.time.temporal.IsoFields.WEEK_BASED_YEAR));
        case 'V' -> pad(t.get(java.time.temporal.IsoFields.WEEK_OF_WEEK_BASED_YEAR), 2, noPad);
        case 'U' -> pad((t.getDayOfYear() + 6 - t.get(ChronoField.DAY_OF_WEEK) % 7) / 7, 2, noPad);
        case 'W' -> pad((t.getDayOfYear() + 6 - (t.get(ChronoField.DAY_OF_WEEK) + 6) % 7) / 7, 2, noPad);
        case '%' -> "%";
        case 'n' -> "\n";
        case 't' -> "\t";
        default -> throw new TemplateException("strftime format %" + f + " is not supported on line " + line, line);
      });
    }
    return out.toString();
  }

  private static String pad(int v, int width, boolean noPad) {
    String s = String.valueOf(v);
    return noPad || s.length() >= width ? s : "0".repeat(width - s.length()) + s;
  }
}

package dev.parley.llama;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The header of a GGUF file (versions 2 and 3): its metadata and tensor table, read so that a bad
 * file gets a clear {@link ModelLoadException} before llama.cpp sees it. Reads the header only,
 * then checks that the file is long enough to hold every tensor the header describes.
 */
final class GgufFile {
  private static final int MAGIC = 0x46554747; // "GGUF" read little-endian
  private static final long MAX_STRING = 64L * 1024 * 1024;
  private static final long MAX_COUNT = 1L << 28;

  /** A tensor's entry in the header. */
  record TensorInfo(String name, long[] dims, int type, long offset) {
    long elements() {
      long n = 1;
      for (long d : dims) {
        n = Math.multiplyExact(n, d);
      }
      return n;
    }
  }

  private final Path path;
  private final int version;
  private final Map<String, Object> metadata;
  private final Map<String, Integer> types;
  private final List<TensorInfo> tensors;
  private final long dataOffset;
  private final long fileSize;
  private final Map<String, Array> arrays;

  /** An array value with the GGUF type of its elements. */
  record Array(int elementType, List<Object> values) {}

  private GgufFile(Path path, int version, Map<String, Object> metadata, Map<String, Integer> types,
      Map<String, Array> arrays, List<TensorInfo> tensors, long dataOffset, long fileSize) {
    this.arrays = arrays;
    this.path = path;
    this.version = version;
    this.metadata = metadata;
    this.types = types;
    this.tensors = tensors;
    this.dataOffset = dataOffset;
    this.fileSize = fileSize;
  }

  /**
   * Reads and checks the header of {@code path}.
   *
   * @throws ModelLoadException NOT_FOUND, NOT_GGUF or TRUNCATED
   */
  static GgufFile read(Path path) {
    return read(path, key -> true);
  }

  /**
   * {@link #read}, but array values (a tokenizer's vocabulary, scores and merges: tens of thousands
   * of strings, and hundreds of thousands in newer models) are skipped, not kept: for checking a file
   * before llama.cpp loads it, which needs none of them. {@link #array} then fails.
   */
  static GgufFile readSkippingArrays(Path path) {
    return read(path, key -> false);
  }

  /** {@link #readSkippingArrays}, but the arrays of {@code keys} are kept. */
  static GgufFile readKeepingArrays(Path path, java.util.Set<String> keys) {
    return read(path, keys::contains);
  }

  private static GgufFile read(Path path, java.util.function.Predicate<String> keepArray) {
    long size;
    try {
      if (!Files.isRegularFile(path)) {
        throw new ModelLoadException(ModelLoadException.Reason.NOT_FOUND, path,
            "model file " + path + " does not exist or is not a regular file", null);
      }
      size = Files.size(path);
    } catch (IOException e) {
      throw new ModelLoadException(ModelLoadException.Reason.NOT_FOUND, path,
          "model file " + path + " cannot be read: " + e.getMessage(), e);
    }
    try (InputStream raw = Files.newInputStream(path)) {
      Reader in = new Reader(new DataInputStream(new BufferedInputStream(raw, 1 << 16)));
      int magic = in.i32();
      if (magic != MAGIC) {
        throw notGguf(path, "it does not start with the GGUF magic bytes");
      }
      int version = in.i32();
      if (version != 2 && version != 3) {
        throw notGguf(path, "its GGUF version is " + version + "; versions 2 and 3 are supported");
      }
      long tensorCount = in.count("tensor count");
      long kvCount = in.count("metadata count");
      Map<String, Array> arrays = new LinkedHashMap<>();
      Map<String, Object> metadata = new LinkedHashMap<>();
      Map<String, Integer> types = new LinkedHashMap<>();
      for (long i = 0; i < kvCount; i++) {
        String key = in.string();
        int type = in.i32();
        types.put(key, type);
        in.keepArrays = keepArray.test(key);
        Object value = in.value(type);
        if (value == Reader.SKIPPED) {
          continue;
        }
        metadata.put(key, value instanceof Array a ? a.values() : value);
        if (value instanceof Array a) {
          arrays.put(key, a);
        }
      }
      List<TensorInfo> tensors = new ArrayList<>();
      for (long i = 0; i < tensorCount; i++) {
        String name = in.string();
        int nDims = in.i32();
        if (nDims < 0 || nDims > 8) {
          throw notGguf(path, "tensor " + name + " has " + nDims + " dimensions");
        }
        long[] dims = new long[nDims];
        for (int d = 0; d < nDims; d++) {
          dims[d] = in.i64();
        }
        tensors.add(new TensorInfo(name, dims, in.i32(), in.i64()));
      }
      long alignment = metadata.get("general.alignment") instanceof Number n ? n.longValue() : 32;
      long dataOffset = (in.position + alignment - 1) / alignment * alignment;
      GgufFile file = new GgufFile(path, version, Collections.unmodifiableMap(metadata),
          Collections.unmodifiableMap(types), Collections.unmodifiableMap(arrays), List.copyOf(tensors),
          dataOffset, size);
      file.checkLength();
      return file;
    } catch (EOFException e) {
      throw new ModelLoadException(ModelLoadException.Reason.TRUNCATED, path,
          "model file " + path + " is truncated: it ends inside its GGUF header (" + size + " bytes)", e);
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(ModelLoadException.Reason.NOT_FOUND, path,
          "model file " + path + " does not exist", e);
    } catch (IOException e) {
      throw new ModelLoadException(ModelLoadException.Reason.NOT_FOUND, path,
          "model file " + path + " cannot be read: " + e.getMessage(), e);
    } catch (ArithmeticException | IllegalArgumentException e) {
      throw notGguf(path, "its header is malformed (" + e.getMessage() + ")");
    }
  }

  private static ModelLoadException notGguf(Path path, String why) {
    return new ModelLoadException(ModelLoadException.Reason.NOT_GGUF, path,
        "model file " + path + " is not a usable GGUF file: " + why, null);
  }

  private void checkLength() {
    // A file without tensors (a vocabulary-only GGUF) needs no data section, nor its padding.
    long needed = tensors.isEmpty() ? 0 : dataOffset;
    for (TensorInfo t : tensors) {
      OptionalLong bytes = tensorBytes(t.type(), t.elements());
      long end = dataOffset + t.offset() + (bytes.isPresent() ? bytes.getAsLong() : 0);
      needed = Math.max(needed, end);
    }
    if (fileSize < needed) {
      throw new ModelLoadException(ModelLoadException.Reason.TRUNCATED, path,
          "model file " + path + " is truncated: its header describes " + needed + " bytes, the file has "
              + fileSize, null);
    }
  }

  /** Bytes a tensor of {@code elements} elements of ggml type {@code type} takes, when the type is known. */
  static OptionalLong tensorBytes(int type, long elements) {
    long[] blockAndBytes = switch (type) {
      case 0 -> new long[] {1, 4}; // F32
      case 1, 30 -> new long[] {1, 2}; // F16, BF16
      case 2 -> new long[] {32, 18}; // Q4_0
      case 3 -> new long[] {32, 20}; // Q4_1
      case 6 -> new long[] {32, 22}; // Q5_0
      case 7 -> new long[] {32, 24}; // Q5_1
      case 8 -> new long[] {32, 34}; // Q8_0
      case 9 -> new long[] {32, 36}; // Q8_1
      case 10 -> new long[] {256, 84}; // Q2_K
      case 11 -> new long[] {256, 110}; // Q3_K
      case 12 -> new long[] {256, 144}; // Q4_K
      case 13 -> new long[] {256, 176}; // Q5_K
      case 14 -> new long[] {256, 210}; // Q6_K
      case 15 -> new long[] {256, 292}; // Q8_K
      case 24 -> new long[] {1, 1}; // I8
      case 25 -> new long[] {1, 2}; // I16
      case 26 -> new long[] {1, 4}; // I32
      case 27, 28 -> new long[] {1, 8}; // I64, F64
      default -> null;
    };
    if (blockAndBytes == null) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(Math.multiplyExact(elements / blockAndBytes[0], blockAndBytes[1]));
  }

  Path path() {
    return path;
  }

  int version() {
    return version;
  }

  Map<String, Object> metadata() {
    return metadata;
  }

  /** The GGUF value type of each metadata key. */
  Map<String, Integer> types() {
    return types;
  }

  /** The array value of {@code key} with its element type, for copying it as it is. */
  Array array(String key) {
    Array a = arrays.get(key);
    if (a == null) {
      throw new IllegalArgumentException("metadata key " + key + " is not an array"
          + (types.get(key) != null && types.get(key) == 9 ? " that was read (readSkippingArrays)" : ""));
    }
    return a;
  }

  List<TensorInfo> tensors() {
    return tensors;
  }

  long dataOffset() {
    return dataOffset;
  }

  /** {@code general.architecture}, such as {@code llama}. */
  String architecture() {
    return metadata.get("general.architecture") instanceof String s ? s : "unknown";
  }

  /** The context length the model was trained for ({@code <arch>.context_length}), if stated. */
  OptionalLong contextLength() {
    return metadata.get(architecture() + ".context_length") instanceof Number n
        ? OptionalLong.of(n.longValue())
        : OptionalLong.empty();
  }

  /** Whether the file carries its own chat template. */
  boolean hasChatTemplate() {
    return metadata.containsKey("tokenizer.chat_template");
  }

  /** Little-endian reads with a byte position and sanity limits on lengths. */
  private static final class Reader {
    /** What {@link #value} returns for an array it skipped. */
    static final Object SKIPPED = new Object();

    private final DataInputStream in;
    /** Whether the value about to be read keeps an array it holds. */
    boolean keepArrays;
    long position;

    Reader(DataInputStream in) {
      this.in = in;
    }

    /** Skips {@code n} bytes, which must be there. */
    private void skip(long n) throws IOException {
      in.skipNBytes(n);
      position += n;
    }

    /** Skips one value of {@code type} without making an object of it. */
    private void skipValue(int type) throws IOException {
      switch (type) {
        case 0, 1, 7 -> skip(1);
        case 2, 3 -> skip(2);
        case 4, 5, 6 -> skip(4);
        case 10, 11, 12 -> skip(8);
        case 8 -> {
          long n = i64();
          if (n < 0 || n > MAX_STRING) {
            throw new IllegalArgumentException("string length " + n + " is out of range");
          }
          skip(n);
        }
        case 9 -> {
          int elementType = i32();
          long n = count("array length");
          for (long i = 0; i < n; i++) {
            skipValue(elementType);
          }
        }
        default -> throw new IllegalArgumentException("unknown metadata value type " + type);
      }
    }

    int i32() throws IOException {
      int v = Integer.reverseBytes(in.readInt());
      position += 4;
      return v;
    }

    long i64() throws IOException {
      long v = Long.reverseBytes(in.readLong());
      position += 8;
      return v;
    }

    long count(String what) throws IOException {
      long n = i64();
      if (n < 0 || n > MAX_COUNT) {
        throw new IllegalArgumentException(what + " " + n + " is out of range");
      }
      return n;
    }

    String string() throws IOException {
      long n = i64();
      if (n < 0 || n > MAX_STRING) {
        throw new IllegalArgumentException("string length " + n + " is out of range");
      }
      byte[] bytes = new byte[(int) n];
      in.readFully(bytes);
      position += n;
      return new String(bytes, StandardCharsets.UTF_8);
    }

    Object value(int type) throws IOException {
      switch (type) {
        case 0, 1: {
          position += 1;
          int b = in.readByte();
          return type == 0 ? b & 0xff : b;
        }
        case 2, 3: {
          position += 2;
          short s = Short.reverseBytes(in.readShort());
          return type == 2 ? s & 0xffff : (int) s;
        }
        case 4: return i32() & 0xffffffffL;
        case 5: return i32();
        case 6: return Float.intBitsToFloat(i32());
        case 7: {
          position += 1;
          return in.readByte() != 0;
        }
        case 8: return string();
        case 9: {
          if (!keepArrays) {
            skipValue(9);
            return SKIPPED;
          }
          int elementType = i32();
          long n = count("array length");
          List<Object> values = new ArrayList<>((int) Math.min(n, 1 << 16));
          for (long i = 0; i < n; i++) {
            values.add(value(elementType));
          }
          return new Array(elementType, Collections.unmodifiableList(values));
        }
        case 10, 11: return i64();
        case 12: return Double.longBitsToDouble(i64());
        default: throw new IllegalArgumentException("unknown metadata value type " + type);
      }
    }
  }
}

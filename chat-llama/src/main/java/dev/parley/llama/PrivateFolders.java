package dev.parley.llama;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Folders of this process's own under {@code java.io.tmpdir}, for native libraries taken out of jars. */
final class PrivateFolders {
  private PrivateFolders() {}

  /**
   * A new folder named {@code prefix} and a unique suffix, that only this user can enter where the
   * file system has POSIX permissions, deleted when the JVM exits (if empty by then: register the
   * files put in it for deletion after this call). Not {@link Files#createTempDirectory}: that seeds
   * a {@code SecureRandom}, whose ~90 provider classes would stay loaded for the JVM's life to name
   * one folder. The name need not be unguessable: the folder is created atomically, and a name
   * taken by anyone else is skipped.
   */
  static Path create(String prefix) throws IOException {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    boolean posix = tmp.getFileSystem().supportedFileAttributeViews().contains("posix");
    for (int attempt = 0; ; attempt++) {
      Path dir = tmp.resolve(prefix + Long.toHexString(System.nanoTime()) + "-" + attempt);
      try {
        Path made = posix
            ? Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")))
            : Files.createDirectory(dir);
        made.toFile().deleteOnExit();
        return made;
      } catch (FileAlreadyExistsException e) {
        if (attempt >= 99) {
          throw e;
        }
      }
    }
  }
}

package dev.parley.llama;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folders of this process's own under {@code java.io.tmpdir}, for native libraries taken out of
 * jars: {@code PREFIX-PID-N}, deleted at exit, and the folders of processes that ended without
 * exiting (killed, crashed) deleted by the next one that makes a folder with that prefix.
 */
final class PrivateFolders {
  private static final Logger LOG = LoggerFactory.getLogger(PrivateFolders.class);

  private PrivateFolders() {}

  /**
   * A new folder named {@code prefix}, this process's id and a number, that only this user can
   * enter where the file system has POSIX permissions, deleted when the JVM exits (if empty by
   * then: register the files put in it for deletion after this call). Not {@link
   * Files#createTempDirectory}: that seeds a {@code SecureRandom}, whose ~90 provider classes would
   * stay loaded for the JVM's life to name one folder. The name need not be unguessable: the folder
   * is created atomically, and a name taken by anyone else is skipped.
   */
  static Path create(String prefix) throws IOException {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    long pid = ProcessHandle.current().pid();
    deleteLeftovers(tmp, prefix, pid);
    boolean posix = tmp.getFileSystem().supportedFileAttributeViews().contains("posix");
    for (int attempt = 0; ; attempt++) {
      Path dir = tmp.resolve(prefix + pid + "-" + Long.toHexString(System.nanoTime()) + attempt);
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

  /**
   * Deletes {@code prefix}{@code PID-*} folders whose process is gone, and the plain files in them:
   * what a killed JVM left. A folder of a live process (or of a process id taken again), one that
   * is not a folder, and one this user may not delete are left as they are.
   */
  static void deleteLeftovers(Path tmp, String prefix, long self) {
    try (DirectoryStream<Path> found = Files.newDirectoryStream(tmp, prefix + "*")) {
      for (Path dir : found) {
        String rest = dir.getFileName().toString().substring(prefix.length());
        int dash = rest.indexOf('-');
        long pid;
        try {
          pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
        } catch (NumberFormatException e) {
          continue;
        }
        if (pid == self || ProcessHandle.of(pid).isPresent()
            || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
          for (Path file : files) {
            if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
              Files.deleteIfExists(file);
            }
          }
          Files.deleteIfExists(dir);
          LOG.debug("deleted {}, left by process {}", dir, pid);
        } catch (IOException e) {
          LOG.debug("could not delete {}, left by process {}", dir, pid, e);
        }
      }
    } catch (IOException e) {
      LOG.debug("could not look for folders left in {}", tmp, e);
    }
  }
}

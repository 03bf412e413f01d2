package io.lengthguard.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.spi.FileSystemProvider;
import java.util.Map;
import java.util.Set;

/**
 * A directory whose files take at most a given number of bytes each, as a full disk or a file size
 * limit (EFBIG) does: a write that reaches the limit writes what fits, and the next one fails. Its
 * files are real files in the directory it wraps; list and check them there.
 */
public final class SmallDisk {
  private SmallDisk() {}

  /** Returns {@code real} as a directory whose files hold at most {@code maxFileBytes} each. */
  public static Path directory(Path real, long maxFileBytes) {
    return new Disk(maxFileBytes).fileSystem.wrap(real);
  }

  private static final class Disk extends FileSystemProvider {
    final FileSystemProvider base = FileSystems.getDefault().provider();
    final long max;
    final DiskFiles fileSystem = new DiskFiles(this);

    Disk(long max) {
      this.max = max;
    }

    @Override
    public String getScheme() {
      return "smalldisk";
    }

    @Override
    public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
      throw new UnsupportedOperationException();
    }

    @Override
    public FileSystem getFileSystem(URI uri) {
      return fileSystem;
    }

    @Override
    public Path getPath(URI uri) {
      throw new UnsupportedOperationException();
    }

    @Override
    public SeekableByteChannel newByteChannel(
        Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
        throws IOException {
      return newFileChannel(path, options, attrs);
    }

    @Override
    public FileChannel newFileChannel(
        Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
        throws IOException {
      return new Limited(base.newFileChannel(real(path), options, attrs), max);
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(
        Path dir, DirectoryStream.Filter<? super Path> filter) {
      throw new UnsupportedOperationException("list the real directory");
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
      base.createDirectory(real(dir), attrs);
    }

    @Override
    public void delete(Path path) throws IOException {
      base.delete(real(path));
    }

    @Override
    public void copy(Path source, Path target, CopyOption... options) throws IOException {
      base.copy(real(source), real(target), options);
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
      base.move(real(source), real(target), options);
    }

    @Override
    public boolean isSameFile(Path path, Path path2) throws IOException {
      return base.isSameFile(real(path), real(path2));
    }

    @Override
    public boolean isHidden(Path path) throws IOException {
      return base.isHidden(real(path));
    }

    @Override
    public FileStore getFileStore(Path path) throws IOException {
      return base.getFileStore(real(path));
    }

    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
      base.checkAccess(real(path), modes);
    }

    @Override
    public <V extends FileAttributeView> V getFileAttributeView(
        Path path, Class<V> type, LinkOption... options) {
      return base.getFileAttributeView(real(path), type, options);
    }

    @Override
    public <A extends BasicFileAttributes> A readAttributes(
        Path path, Class<A> type, LinkOption... options) throws IOException {
      return base.readAttributes(real(path), type, options);
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options)
        throws IOException {
      return base.readAttributes(real(path), attributes, options);
    }

    @Override
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options)
        throws IOException {
      base.setAttribute(real(path), attribute, value, options);
    }
  }

  private static Path real(Path path) {
    return path instanceof Wrapped ? ((Wrapped) path).real : path;
  }

  private static final class DiskFiles extends FileSystem {
    private final Disk disk;
    private final FileSystem base = FileSystems.getDefault();

    DiskFiles(Disk disk) {
      this.disk = disk;
    }

    Path wrap(Path real) {
      return real == null ? null : new Wrapped(this, real);
    }

    @Override
    public FileSystemProvider provider() {
      return disk;
    }

    @Override
    public void close() {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public boolean isReadOnly() {
      return false;
    }

    @Override
    public String getSeparator() {
      return base.getSeparator();
    }

    @Override
    public Iterable<Path> getRootDirectories() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Iterable<FileStore> getFileStores() {
      return base.getFileStores();
    }

    @Override
    public Set<String> supportedFileAttributeViews() {
      return base.supportedFileAttributeViews();
    }

    @Override
    public Path getPath(String first, String... more) {
      return wrap(base.getPath(first, more));
    }

    @Override
    public PathMatcher getPathMatcher(String syntaxAndPattern) {
      return base.getPathMatcher(syntaxAndPattern);
    }

    @Override
    public UserPrincipalLookupService getUserPrincipalLookupService() {
      return base.getUserPrincipalLookupService();
    }

    @Override
    public WatchService newWatchService() {
      throw new UnsupportedOperationException();
    }
  }

  private static final class Wrapped implements Path {
    final DiskFiles files;
    final Path real;

    Wrapped(DiskFiles files, Path real) {
      this.files = files;
      this.real = real;
    }

    @Override
    public FileSystem getFileSystem() {
      return files;
    }

    @Override
    public boolean isAbsolute() {
      return real.isAbsolute();
    }

    @Override
    public Path getRoot() {
      return files.wrap(real.getRoot());
    }

    @Override
    public Path getFileName() {
      return files.wrap(real.getFileName());
    }

    @Override
    public Path getParent() {
      return files.wrap(real.getParent());
    }

    @Override
    public int getNameCount() {
      return real.getNameCount();
    }

    @Override
    public Path getName(int index) {
      return files.wrap(real.getName(index));
    }

    @Override
    public Path subpath(int beginIndex, int endIndex) {
      return files.wrap(real.subpath(beginIndex, endIndex));
    }

    @Override
    public boolean startsWith(Path other) {
      return real.startsWith(real(other));
    }

    @Override
    public boolean endsWith(Path other) {
      return real.endsWith(real(other));
    }

    @Override
    public Path normalize() {
      return files.wrap(real.normalize());
    }

    @Override
    public Path resolve(Path other) {
      return files.wrap(real.resolve(real(other)));
    }

    @Override
    public Path relativize(Path other) {
      return files.wrap(real.relativize(real(other)));
    }

    @Override
    public URI toUri() {
      return real.toUri();
    }

    @Override
    public Path toAbsolutePath() {
      return files.wrap(real.toAbsolutePath());
    }

    @Override
    public Path toRealPath(LinkOption... options) throws IOException {
      return files.wrap(real.toRealPath(options));
    }

    @Override
    public WatchKey register(
        WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int compareTo(Path other) {
      return real.compareTo(real(other));
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Wrapped && real.equals(((Wrapped) other).real);
    }

    @Override
    public int hashCode() {
      return real.hashCode();
    }

    @Override
    public String toString() {
      return real.toString();
    }
  }

  /** A file's channel that writes nothing at or past {@code max}. */
  private static final class Limited extends FileChannel {
    private final FileChannel base;
    private final long max;

    Limited(FileChannel base, long max) {
      this.base = base;
      this.max = max;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      if (position >= max) throw new IOException("File too large");
      ByteBuffer fits = src.slice();
      fits.limit((int) Math.min(fits.remaining(), max - position));
      int n = base.write(fits, position);
      src.position(src.position() + n);
      return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      long at = base.position();
      int n = write(src, at);
      base.position(at + n);
      return n;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      long total = 0;
      for (int i = offset; i < offset + length; i++) total += write(srcs[i]);
      return total;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return base.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      return base.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return base.read(dst, position);
    }

    @Override
    public long position() throws IOException {
      return base.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
      base.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return base.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      base.truncate(size);
      return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      base.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target)
        throws IOException {
      return base.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) {
      throw new UnsupportedOperationException();
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
      return base.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
      return base.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return base.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      base.close();
    }
  }
}

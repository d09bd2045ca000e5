#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/ctf/ctf_files.h"

/* mkdir -p, every created level 0700. Parents that exist are left alone. */
static int mkdirs(const char *dir)
{
	char path[4096];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(path, dir, n + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0700) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(path, 0700);
}

static bool dir_is_empty(int fd)
{
	int dup_fd = dup(fd);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	bool empty = true;
	struct dirent *de;
	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return false;
	}
	while (empty && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = false;
	closedir(d);
	return empty;
}

int ctf_dir_open(const char *dir, char *err, size_t errlen)
{
	bool created = mkdirs(dir) == 0;
	if (!created && errno != EEXIST) {
		snprintf(err, errlen, "cannot create trace directory %s: %s", dir, strerror(errno));
		return -1;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open trace directory %s: %s", dir, strerror(errno));
		return -1;
	}
	/* mkdir's mode went through the umask; a trace directory is private. */
	if (created && fchmod(fd, 0700)) {
		snprintf(err, errlen, "cannot chmod 0700 trace directory %s: %s", dir,
			 strerror(errno));
		goto fail;
	}
	if (!created && !dir_is_empty(fd)) {
		snprintf(err, errlen,
			 "trace directory %s exists and is not empty; choose a new directory", dir);
		goto fail;
	}
	if (faccessat(fd, ".", W_OK | X_OK, AT_EACCESS)) {
		snprintf(err, errlen, "trace directory %s is not writable: %s", dir,
			 strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int ctf_file_create(int dirfd, const char *dir, const char *name, char *err, size_t errlen)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s/%s: %s", dir, name, strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0600)) { /* umask may have removed the owner's bits */
		snprintf(err, errlen, "cannot chmod 0600 %s/%s: %s", dir, name, strerror(errno));
		close(fd);
		unlinkat(dirfd, name, 0);
		return -1;
	}
	return fd;
}

int ctf_pwritev_all(int fd, struct iovec *iov, int iovcnt, off_t at, size_t *done)
{
	*done = 0;
	while (iovcnt > 0) {
		ssize_t n = pwritev(fd, iov, iovcnt, at + (off_t)*done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return EIO;
		*done += (size_t)n;
		while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

int ctf_file_replace(int dirfd, const char *dir, const char *name, const void *buf, size_t len,
		     char *err, size_t errlen)
{
	char tmp[256];
	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	unlinkat(dirfd, tmp, 0); /* left over by a writer that died here */
	int fd = ctf_file_create(dirfd, dir, tmp, err, errlen);
	if (fd < 0)
		return -1;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	size_t done;
	int e = ctf_pwritev_all(fd, &iov, 1, 0, &done);
	if (close(fd) && !e)
		e = errno;
	if (!e && renameat(dirfd, tmp, dirfd, name))
		e = errno;
	if (e) {
		snprintf(err, errlen,
			 "cannot write %s/%s: %s (%zu of %zu bytes written; previous %s kept)", dir,
			 name, strerror(e), done, len, name);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	return 0;
}

/* mttyprobe: save and resume Linux mtty migration streams for jvfio's MttyDevice tests.
 * usage: mttyprobe <1-port uuid A> <1-port uuid B> <2-port uuid C> <2-port uuid D> [stream.hex ...]
 * Output lines start with "MT ". Streams are printed as "MT HEX <name> <hex bytes>". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

static int container = -1;

static const char *en(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "?";
}

static void res(const char *what, long r)
{
	if (r < 0)
		printf("MT RES %s ret=%ld errno=%s\n", what, r, en(errno));
	else
		printf("MT RES %s ret=%ld\n", what, r);
	fflush(stdout);
}

static void hex(const char *name, const unsigned char *b, size_t n)
{
	printf("MT HEX %s ", name);
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
	fflush(stdout);
}

static int open_mdev(const char *uuid)
{
	char p[PATH_MAX], l[PATH_MAX];
	snprintf(p, sizeof(p), "/sys/bus/mdev/devices/%s/iommu_group", uuid);
	ssize_t n = readlink(p, l, sizeof(l) - 1);
	if (n < 0) {
		res("readlink iommu_group", -1);
		return -1;
	}
	l[n] = 0;
	snprintf(p, sizeof(p), "/dev/vfio/%s", basename(l));
	int g = open(p, O_RDWR | O_CLOEXEC);
	if (g < 0) {
		res("open group", g);
		return -1;
	}
	if (container < 0) {
		container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
		if (ioctl(g, VFIO_GROUP_SET_CONTAINER, &container) < 0)
			res("SET_CONTAINER", -1);
		if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0)
			res("SET_IOMMU", -1);
	} else if (ioctl(g, VFIO_GROUP_SET_CONTAINER, &container) < 0) {
		res("SET_CONTAINER", -1);
	}
	int fd = ioctl(g, VFIO_GROUP_GET_DEVICE_FD, uuid);
	if (fd < 0)
		res("GET_DEVICE_FD", fd);
	return fd;
}

static int set_state(int fd, uint32_t s, int *data_fd)
{
	size_t sz = sizeof(struct vfio_device_feature) + sizeof(struct vfio_device_feature_mig_state);
	struct vfio_device_feature *f = calloc(1, sz);
	f->argsz = sz;
	f->flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE;
	struct vfio_device_feature_mig_state *m = (void *)f->data;
	m->device_state = s;
	m->data_fd = -1;
	int r = ioctl(fd, VFIO_DEVICE_FEATURE, f);
	int e = errno;
	if (data_fd)
		*data_fd = r == 0 ? m->data_fd : -1;
	free(f);
	errno = e;
	return r;
}

static long data_size(int fd)
{
	size_t sz = sizeof(struct vfio_device_feature) + sizeof(struct vfio_device_feature_mig_data_size);
	struct vfio_device_feature *f = calloc(1, sz);
	f->argsz = sz;
	f->flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DATA_SIZE;
	int r = ioctl(fd, VFIO_DEVICE_FEATURE, f);
	long v = r < 0 ? r : (long)((struct vfio_device_feature_mig_data_size *)f->data)->stop_copy_length;
	free(f);
	return v;
}

static uint64_t bar_offset(int fd, int bar)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = VFIO_PCI_BAR0_REGION_INDEX + bar };
	if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0) {
		res("GET_REGION_INFO", -1);
		return 0;
	}
	return ri.offset;
}

static void wr(int fd, int port, int reg, uint8_t v)
{
	ssize_t n = pwrite(fd, &v, 1, bar_offset(fd, port) + reg);
	if (n != 1)
		res("uart pwrite", n);
}

static uint8_t rd(int fd, int port, int reg)
{
	uint8_t v = 0;
	ssize_t n = pread(fd, &v, 1, bar_offset(fd, port) + reg);
	if (n != 1)
		res("uart pread", n);
	return v;
}

static size_t read_all(int dfd, unsigned char *buf, size_t cap, size_t chunk)
{
	size_t total = 0;
	for (;;) {
		size_t want = cap - total < chunk ? cap - total : chunk;
		ssize_t n = read(dfd, buf + total, want);
		if (n < 0) {
			res("read data fd", n);
			break;
		}
		if (n == 0)
			break;
		total += n;
	}
	return total;
}

/* RUNNING -> STOP_COPY (multi-arc), read everything, back to STOP */
static size_t save_stop_copy(const char *name, int fd, unsigned char *buf)
{
	int dfd;
	res("SET STOP_COPY", set_state(fd, VFIO_DEVICE_STATE_STOP_COPY, &dfd));
	size_t n = read_all(dfd, buf, 4096, 7);
	hex(name, buf, n);
	res("SET STOP", set_state(fd, VFIO_DEVICE_STATE_STOP, NULL));
	close(dfd);
	return n;
}

/* the same through PRE_COPY: header first, then the ports on PRE_COPY -> STOP_COPY */
static size_t save_pre_copy(const char *name, int fd, unsigned char *buf)
{
	int dfd;
	char nm[128];
	res("SET PRE_COPY", set_state(fd, VFIO_DEVICE_STATE_PRE_COPY, &dfd));
	size_t n = read_all(dfd, buf, 4096, 5);
	snprintf(nm, sizeof(nm), "%s.precopy", name);
	hex(nm, buf, n);
	int again;
	res("SET STOP_COPY (from PRE_COPY)", set_state(fd, VFIO_DEVICE_STATE_STOP_COPY, &again));
	printf("MT RES data_fd after PRE_COPY->STOP_COPY=%d\n", again);
	n += read_all(dfd, buf + n, 4096 - n, 5);
	hex(name, buf, n);
	res("SET STOP", set_state(fd, VFIO_DEVICE_STATE_STOP, NULL));
	close(dfd);
	return n;
}

/* from STOP: resume a stream, re-save it, back to RUNNING */
static void resume_and_resave(const char *name, int fd, const unsigned char *s, size_t len)
{
	int wfd;
	char nm[160];
	res("SET RESUMING", set_state(fd, VFIO_DEVICE_STATE_RESUMING, &wfd));
	ssize_t w = write(wfd, s, len);
	res("write stream", w);
	int r = set_state(fd, VFIO_DEVICE_STATE_STOP, NULL);
	res("SET STOP (load)", r);
	close(wfd);
	unsigned char out[4096];
	snprintf(nm, sizeof(nm), "%s.resaved", name);
	size_t n = save_stop_copy(nm, fd, out);
	printf("MT CMP %s %s\n", name, n == len && !memcmp(out, s, len) ? "IDENTICAL" : "DIFFERENT");
	res("SET RUNNING", set_state(fd, VFIO_DEVICE_STATE_RUNNING, NULL));
}

/* resume a power-on image, then run an access script: "w PORT REG HEXVALUE" or "r PORT REG" */
static void run_script(const char *path, int fd, const unsigned char *fresh, size_t flen)
{
	FILE *f = fopen(path, "r");
	char line[256], nm[160];
	int wfd;
	printf("MT SCRIPT %s\n", path);
	res("SET STOP", set_state(fd, VFIO_DEVICE_STATE_STOP, NULL));
	res("SET RESUMING", set_state(fd, VFIO_DEVICE_STATE_RESUMING, &wfd));
	res("write power-on image", write(wfd, fresh, flen));
	res("SET RUNNING", set_state(fd, VFIO_DEVICE_STATE_RUNNING, NULL));
	close(wfd);
	printf("MT READS %s", basename((char *)path));
	while (fgets(line, sizeof(line), f)) {
		char op;
		int port, reg;
		unsigned v;
		if (line[0] == '#')
			continue;
		int k = sscanf(line, " %c %d %d %x", &op, &port, &reg, &v);
		if (k >= 3 && op == 'r')
			printf(" %02x", rd(fd, port, reg));
		else if (k == 4 && op == 'w')
			wr(fd, port, reg, v);
	}
	printf("\n");
	fclose(f);
	snprintf(nm, sizeof(nm), "%s.final", basename((char *)path));
	unsigned char out[4096];
	save_stop_copy(nm, fd, out);
	res("SET RUNNING", set_state(fd, VFIO_DEVICE_STATE_RUNNING, NULL));
}

static size_t parse_hex(const char *path, unsigned char *out, size_t cap)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = 0;
	int c, hi = -1;
	while ((c = fgetc(f)) != EOF && n < cap) {
		int v;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else if (c == '#') {
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		} else
			continue;
		if (hi < 0)
			hi = v;
		else {
			out[n++] = (hi << 4) | v;
			hi = -1;
		}
	}
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage\n");
		return 2;
	}
	int a = open_mdev(argv[1]), b = open_mdev(argv[2]);
	int c = open_mdev(argv[3]), d = open_mdev(argv[4]);
	if (a < 0 || b < 0 || c < 0 || d < 0)
		return 1;
	printf("MT RES data_size 1-port=%ld 2-port=%ld\n", data_size(a), data_size(c));
	unsigned char s1[4096], s2[4096], s3[4096], s4[4096];

	/* p1-default: fresh 1-port device */
	size_t n1 = save_stop_copy("p1-default", a, s1);
	res("SET RUNNING", set_state(a, VFIO_DEVICE_STATE_RUNNING, NULL));

	/* p1-uart: divisor, line settings, FIFO with 5 bytes of which 2 were read back */
	wr(a, 0, 3, 0x83);
	wr(a, 0, 0, 0x0c);
	wr(a, 0, 1, 0x01);
	wr(a, 0, 3, 0x03);
	wr(a, 0, 2, 0xc7);
	wr(a, 0, 1, 0x05);
	wr(a, 0, 4, 0x0b);
	wr(a, 0, 7, 0x5a);
	const char *hello = "Hello";
	for (int i = 0; hello[i]; i++)
		wr(a, 0, 0, hello[i]);
	uint8_t r0 = rd(a, 0, 0), r1 = rd(a, 0, 0);
	printf("MT RES p1-uart rx=%02x %02x lsr=%02x iir=%02x msr=%02x ier=%02x\n", r0, r1, rd(a, 0, 5),
	       rd(a, 0, 2), rd(a, 0, 6), rd(a, 0, 1));
	size_t n2 = save_pre_copy("p1-uart", a, s2);

	/* p2-default: fresh 2-port device */
	save_stop_copy("p2-default", d, s4);
	res("SET RUNNING", set_state(d, VFIO_DEVICE_STATE_RUNNING, NULL));

	/* p2-uart: port 0 wraps its FIFO and overruns; port 1 runs without FIFO and keeps DLAB */
	wr(c, 0, 2, 0x07);
	for (int i = 0; i < 10; i++)
		wr(c, 0, 0, 0x30 + i);
	for (int i = 0; i < 8; i++)
		rd(c, 0, 0);
	for (int i = 0; i < 15; i++)
		wr(c, 0, 0, 0x40 + i);
	wr(c, 0, 1, 0x0f);
	wr(c, 0, 4, 0x13);
	wr(c, 1, 2, 0x00);
	wr(c, 1, 0, 'a');
	wr(c, 1, 0, 'b');
	wr(c, 1, 3, 0x9b);
	wr(c, 1, 0, 0x34);
	wr(c, 1, 1, 0x12);
	wr(c, 1, 7, 0xff);
	printf("MT RES p2-uart lsr0=%02x iir0=%02x lsr1=%02x dl1=%02x dh1=%02x\n", rd(c, 0, 5), rd(c, 0, 2),
	       rd(c, 1, 5), rd(c, 1, 0), rd(c, 1, 1));
	size_t n3 = save_stop_copy("p2-uart", c, s3);

	/* Linux resumes its own streams */
	res("b SET STOP", set_state(b, VFIO_DEVICE_STATE_STOP, NULL));
	resume_and_resave("linux:p1-uart", b, s2, n2);
	res("b SET STOP", set_state(b, VFIO_DEVICE_STATE_STOP, NULL));
	resume_and_resave("linux:p1-default", b, s1, n1);
	res("d SET STOP", set_state(d, VFIO_DEVICE_STATE_STOP, NULL));
	resume_and_resave("linux:p2-uart", d, s3, n3);

	/* a bad header is refused with EFAULT, yet its bytes count */
	{
		unsigned char bad[96];
		memcpy(bad, s2, 60);
		bad[0] ^= 0xff;
		int wfd;
		res("b SET STOP", set_state(b, VFIO_DEVICE_STATE_STOP, NULL));
		res("badhdr SET RESUMING", set_state(b, VFIO_DEVICE_STATE_RESUMING, &wfd));
		res("badhdr write 10", write(wfd, bad, 10));
		res("badhdr write 14 (crosses 24)", write(wfd, bad + 10, 14));
		res("badhdr write 36", write(wfd, bad + 24, 36));
		res("badhdr write 1 more", write(wfd, bad, 1));
		res("badhdr SET STOP", set_state(b, VFIO_DEVICE_STATE_STOP, NULL));
		close(wfd);
		unsigned char out[4096];
		save_stop_copy("badhdr.resaved", b, out);
		/* short stream, then completed */
		res("short SET RESUMING", set_state(b, VFIO_DEVICE_STATE_RESUMING, &wfd));
		res("short write 59", write(wfd, s1, 59));
		res("short SET STOP", set_state(b, VFIO_DEVICE_STATE_STOP, NULL));
		res("short write 1", write(wfd, s1 + 59, 1));
		res("short SET STOP again", set_state(b, VFIO_DEVICE_STATE_STOP, NULL));
		close(wfd);
		save_stop_copy("short.resaved", b, out);
		/* nr_ports mismatch: a 2-port stream into a 1-port device */
		res("mismatch SET RESUMING", set_state(b, VFIO_DEVICE_STATE_RESUMING, &wfd));
		res("mismatch write 60 of 2-port stream", write(wfd, s3, 60));
		res("mismatch write 1", write(wfd, s3, 1));
		res("mismatch SET STOP", set_state(b, VFIO_DEVICE_STATE_STOP, NULL));
		close(wfd);
		save_stop_copy("mismatch.resaved", b, out);
	}

	/* streams produced elsewhere (jvfio) */
	for (int i = 5; i < argc; i++) {
		unsigned char s[4096];
		if (strstr(argv[i], ".ops")) {
			run_script(argv[i], strstr(argv[i], "/p2-") ? d : b, strstr(argv[i], "/p2-") ? s4 : s1,
				   strstr(argv[i], "/p2-") ? 96 : 60);
			continue;
		}
		size_t n = parse_hex(argv[i], s, sizeof(s));
		int dev = n == 60 ? b : d;
		printf("MT FILE %s bytes=%zu\n", argv[i], n);
		res("SET STOP", set_state(dev, VFIO_DEVICE_STATE_STOP, NULL));
		resume_and_resave(basename(argv[i]), dev, s, n);
	}
	printf("MT DONE\n");
	return 0;
}

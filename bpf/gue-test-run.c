// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Runs one program of gue.bpf.o on one packet with BPF_PROG_TEST_RUN, for the unit tests.
 * bpftool cannot pin an object's maps outside /sys/fs/bpf; this loader pins them under the test's own
 * bpffs (pin_root), where the tests program them with bpftool exactly as the tunnel manager does.
 *
 *   gue-test-run <object> <pin_root> <program> <skb mark> <packet hex>
 *   -> {"retval":<tc verdict>,"data":"<packet hex after the program>"}
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static int unhex(const char *s, unsigned char *out, size_t cap)
{
	size_t n = strlen(s);

	if (n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int b;

		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (unsigned char)b;
	}
	return (int)(n / 2);
}

int main(int argc, char **argv)
{
	static unsigned char in[65536], out[65536 + 256];
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct __sk_buff ctx = {};
	int len, err;

	if (argc != 6) {
		fprintf(stderr, "usage: %s <object> <pin_root> <program> <mark> <packet hex>\n", argv[0]);
		return 2;
	}
	len = unhex(argv[5], in, sizeof(in));
	if (len < 14) {
		fprintf(stderr, "packet must be hex of at least an Ethernet header\n");
		return 2;
	}
	LIBBPF_OPTS(bpf_object_open_opts, oopts, .pin_root_path = argv[2]);
	obj = bpf_object__open_file(argv[1], &oopts);
	if (!obj) {
		fprintf(stderr, "open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		bpf_program__set_type(prog, BPF_PROG_TYPE_SCHED_CLS);
		bpf_program__set_autoload(prog, strcmp(bpf_program__name(prog), argv[3]) == 0);
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "load: %s\n", strerror(-err));
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, argv[3]);
	if (!prog) {
		fprintf(stderr, "no program %s\n", argv[3]);
		return 1;
	}
	ctx.mark = (__u32)strtoul(argv[4], NULL, 0);
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = in, .data_size_in = (__u32)len, .data_out = out,
		    .data_size_out = sizeof(out), .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &topts);
	if (err) {
		fprintf(stderr, "test run: %s\n", strerror(-err));
		return 1;
	}
	printf("{\"retval\":%u,\"data\":\"", topts.retval);
	for (__u32 i = 0; i < topts.data_size_out; i++)
		printf("%02x", out[i]);
	printf("\"}\n");
	bpf_object__close(obj);
	return 0;
}

# SPDX-License-Identifier: GPL-2.0-or-later
# tcpfw - non-recursive build. Objects go to build/ (build-san/ with SANITIZE=1).
#
#   make              libtcpfw.a, tcpfwd, tcpfwctl
#   make deps         install the Debian packages the build and tests need (idempotent)
#   make check        deps, build, check-purity, unit tests, the receiver model, netns tests
#   make check-model  the differential receiver model (tests/model)
#   make check-purity fail if libtcpfw.a calls sockets, clocks, logging, printf or exit
#   make check-docs   fail if docs/ misses a state, reason, method, table cell or example
#   make check-size   fail if a .c file is over 800 lines
#   make check-tcpfwctl  fail if tcpfwctl holds engine, tracker or table code, or libsodium
#   make bench        engine microbenchmark (not part of check)
#   make bench-callgrind  instructions per packet under valgrind
#   make SANITIZE=1   the same with ASan + UBSan, no recovery
#   make TSAN=1       the same with ThreadSanitizer (build-tsan/); make check-tsan runs netns tests on it
#   make check-netns-fastpath  the netns suite with the in-kernel fast path on in every test
#   make lint         clang-format, shellcheck and cppcheck over every tracked file (git)
#   make compile_commands.json  the compilation database of every C file (bear), not tracked
#   make deb          the Debian package, in build/deb/ (debian/, README.Debian)
#   make check-deb    deb, lintian, dpkg -i/--purge here, the package under systemd (root)
#   make clean

VERSION := 0.1.0
CC ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
BUILD ?= build

ifeq ($(SANITIZE),1)
BUILD := build-san
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
ifeq ($(TSAN),1)
ifeq ($(SANITIZE),1)
$(error TSAN=1 and SANITIZE=1 do not go together)
endif
BUILD := build-tsan
SAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer
endif

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wpointer-arith -Wundef -Werror
ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE -DTCPFW_VERSION='"$(VERSION)"' $(WARN) $(CPPFLAGS) $(CFLAGS) \
	$(SAN_FLAGS) -MMD -MP -Ilib
ALL_LDFLAGS := $(LDFLAGS) $(SAN_FLAGS)

# Debian packages, by name: what builds the code and what the tests run.
DEB_BUILD := build-essential pkg-config libsodium-dev libconfig-dev libjansson-dev \
	libmnl-dev libnetfilter-queue-dev libsystemd-dev libcmocka-dev libpcap-dev clang libbpf-dev \
	debhelper dpkg-dev lintian
DEB_TEST := iproute2 iputils-ping nftables iptables python3-scapy socat curl iperf3 man-db \
	systemd systemd-container procps psmisc prometheus tshark tcpdump bash-completion \
	keepalived conntrackd conntrack
# make lint's tools. Debian 12's clang-format is 14: pinned by name, since each version
# formats a little differently.
DEB_LINT := clang-format-14 shellcheck cppcheck bear
DEB_DEPS := $(DEB_BUILD) $(DEB_TEST) $(DEB_LINT)

LIB_PKGS := libsodium libconfig jansson
LIB_LIBS = $(shell $(PKG_CONFIG) --libs $(LIB_PKGS))
LIB_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(LIB_PKGS))

LIB_SRCS := $(sort $(wildcard lib/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIBTCPFW := $(BUILD)/libtcpfw.a

UNIT_TESTS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_HELPERS := $(filter-out $(UNIT_TESTS),$(sort $(wildcard tests/unit/*.c)))
UNIT_HELPER_OBJS := $(UNIT_HELPERS:%.c=$(BUILD)/%.o)
UNIT_BINS := $(UNIT_TESTS:%.c=$(BUILD)/%)

BENCH_BIN := $(BUILD)/tests/bench/engine_bench

# libpcap reads back the capture files lib/pcapng writes: in test_pcapng and fuzz_pcapng,
# which alone link it (EXTRA_LIBS, set per binary below).
PCAP_CFLAGS = $(shell $(PKG_CONFIG) --cflags libpcap 2>/dev/null)
PCAP_LIBS = $(or $(shell $(PKG_CONFIG) --libs libpcap 2>/dev/null),-lpcap)

DAEMON_PKGS := libmnl libnetfilter_queue libsystemd libbpf
DAEMON_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(DAEMON_PKGS)) -pthread
DAEMON_LIBS = $(shell $(PKG_CONFIG) --libs $(DAEMON_PKGS)) -pthread
TCPFWD := $(BUILD)/tcpfwd
TCPFWD_SRCS := $(sort $(wildcard daemon/tcpfwd/*.c))
TCPFWD_OBJS := $(TCPFWD_SRCS:%.c=$(BUILD)/%.o)
TCPFWCTL := $(BUILD)/tcpfwctl
TCPFWCTL_SRCS := $(sort $(wildcard daemon/tcpfwctl/*.c))
TCPFWCTL_OBJS := $(TCPFWCTL_SRCS:%.c=$(BUILD)/%.o)

.PHONY: all deps check check-purity unit bench bench-callgrind clean
.DEFAULT_GOAL := all
.SECONDARY:

all: $(LIBTCPFW) $(TCPFWD) $(TCPFWCTL)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LIB_CFLAGS) -c -o $@ $<

# daemon objects: the more specific pattern wins
$(BUILD)/daemon/%.o: daemon/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -I$(<D) $(LIB_CFLAGS) $(DAEMON_CFLAGS) -c -o $@ $<

# The in-kernel fast path (bpf/fastpath.bpf.c): clang's BPF target, built into tcpfwd by
# fastpath_blob.c. -ffreestanding takes clang's own stdint.h; the multiarch directory has the
# kernel's asm/ headers.
BPF_CLANG ?= clang
BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -ffreestanding \
	-I/usr/include/$(shell $(CC) -dumpmachine) -Ilib -Wall -Wextra -Werror
FASTPATH_OBJ := $(BUILD)/bpf/fastpath.bpf.o
$(FASTPATH_OBJ): bpf/fastpath.bpf.c
	@mkdir -p $(@D)
	$(BPF_CLANG) $(BPF_CFLAGS) -MMD -MP -c -o $@ $<
-include $(FASTPATH_OBJ:.o=.d)
$(BUILD)/daemon/tcpfwd/fastpath_blob.o: $(FASTPATH_OBJ)
$(BUILD)/daemon/tcpfwd/fastpath_blob.o: ALL_CFLAGS += -DTCPFW_FASTPATH_OBJ='"$(FASTPATH_OBJ)"'

$(TCPFWD): $(TCPFWD_OBJS) $(LIBTCPFW)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(DAEMON_LIBS)

# tcpfwctl talks to the daemon through lib/ctl_proto only: no daemon libraries
$(BUILD)/daemon/tcpfwctl/%.o: daemon/tcpfwctl/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Idaemon/tcpfwctl -c -o $@ $<

# and the few lib/ objects it needs, named: the protocol, the leaf name tables, the metrics
# and pcapng formatters, and the configuration schema (config*: the parameter names and
# values --complete lists). Linking the archive would pull in whatever a new call reached;
# naming the objects makes such a call a link error, and check-tcpfwctl checks the result.
TCPFWCTL_LIB_SRCS := $(sort $(wildcard lib/ctl_proto*.c lib/*_names.c lib/config*.c) \
	lib/metrics.c lib/pcapng.c lib/reason.c)
TCPFWCTL_LIB_OBJS := $(TCPFWCTL_LIB_SRCS:%.c=$(BUILD)/%.o)
$(TCPFWCTL): $(TCPFWCTL_OBJS) $(TCPFWCTL_LIB_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(shell $(PKG_CONFIG) --libs jansson libconfig)

$(LIBTCPFW): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(UNIT_HELPER_OBJS) $(LIBTCPFW)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(shell $(PKG_CONFIG) --libs cmocka) $(EXTRA_LIBS)

# Daemon unit tests (tests/daemon/test_*.c): daemon code run against fakes, without threads: the
# control methods over a fake ctl_ops table (ctl_ops.h) and engines the test makes, and sync
# against a peer the test plays over loopback UDP.
# Each links the daemon objects it exercises, libtcpfw.a and the daemon libraries.
DAEMON_UNIT_TESTS := $(sort $(wildcard tests/daemon/test_*.c))
DAEMON_UNIT_BINS := $(DAEMON_UNIT_TESTS:%.c=$(BUILD)/%)
DAEMON_OBJS_test_ctl_methods := ctl_methods.o ctl_trace.o log.o notify.o reset.o tap.o
DAEMON_OBJS_test_sync := sync.o sync_table.o log.o notify.o
# fp_bpf_judge is shared with the fuzz harness; it is compiled as a daemon test object.
DAEMON_OBJS_test_fastpath_bpf := fastpath.o fastpath_blob.o
$(BUILD)/tests/daemon/test_fastpath_bpf: $(BUILD)/tests/daemon/fp_bpf_judge.o
$(BUILD)/tests/daemon/%.o: tests/daemon/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Idaemon/tcpfwd -Itests/unit $(LIB_CFLAGS) $(DAEMON_CFLAGS) -c -o $@ $<

.SECONDEXPANSION:
$(BUILD)/tests/daemon/%: $(BUILD)/tests/daemon/%.o \
		$$(addprefix $(BUILD)/daemon/tcpfwd/,$$(DAEMON_OBJS_$$*)) $(UNIT_HELPER_OBJS) $(LIBTCPFW)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(DAEMON_LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

# test_config_man compares the man pages' lists of reloadable keys with the code.
$(BUILD)/tests/unit/test_config_man.o: ALL_CFLAGS += -DTCPFW_SRCDIR='"$(CURDIR)"'

MKFLOWS := $(BUILD)/tests/bench/mkflows
$(MKFLOWS): $(BUILD)/tests/bench/mkflows.o $(BUILD)/tests/unit/pktbuild.o $(LIBTCPFW)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS)

$(BENCH_BIN): $(BUILD)/tests/bench/engine_bench.o $(BUILD)/tests/bench/bench_traffic.o \
		$(BUILD)/tests/unit/pktbuild.o $(LIBTCPFW)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS)

# The NFQUEUE floor for netns_bench.sh: tcpfwd's own nfqueue module, no engine.
# The fast path's cost a packet: its program under BPF_PROG_TEST_RUN (tests/bench/fastpath_cost.c).
FASTPATH_COST_BIN := $(BUILD)/tests/bench/fastpath_cost
$(BUILD)/tests/bench/fastpath_cost.o: ALL_CFLAGS += -Idaemon/tcpfwd -Itests/daemon -Itests/unit
$(FASTPATH_COST_BIN): $(BUILD)/tests/bench/fastpath_cost.o $(BUILD)/tests/daemon/fp_bpf_judge.o \
		$(BUILD)/daemon/tcpfwd/fastpath.o $(BUILD)/daemon/tcpfwd/fastpath_blob.o \
		$(BUILD)/tests/unit/fp_gen.o $(BUILD)/tests/unit/pktbuild.o $(LIBTCPFW)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(DAEMON_LIBS)

FLOOR_BIN := $(BUILD)/tests/bench/floor
$(BUILD)/tests/bench/floor.o: tests/bench/floor.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Idaemon/tcpfwd $(DAEMON_CFLAGS) -c -o $@ $<

$(FLOOR_BIN): $(BUILD)/tests/bench/floor.o $(BUILD)/daemon/tcpfwd/nfqueue.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(DAEMON_LIBS)

# netns_bench.sh's round trips: a TCP echo server and a fixed-rate client, libc only.
ECHO_LAT_BIN := $(BUILD)/tests/bench/echo_lat
$(ECHO_LAT_BIN): $(BUILD)/tests/bench/echo_lat.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

# Installs only what is missing, so a machine that has everything never touches apt. Another
# apt or dpkg holding the lock (unattended-upgrades, a second make) is waited for, up to
# APT_LOCK_TIMEOUT seconds, instead of failing at once: DPkg::Lock::Timeout for the dpkg lock
# (and the lists lock, where apt honours it there), and a retry of `apt-get update` while it
# reports a lock (apt 2.6 does not wait for /var/lib/apt/lists/lock).
APT_LOCK_TIMEOUT ?= 120
APT_LOCK_WAIT = -o DPkg::Lock::Timeout=$(APT_LOCK_TIMEOUT)
deps:
	@missing=$$(for p in $(DEB_DEPS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing" $$missing; \
		if [ "$$(id -u)" != 0 ]; then echo "deps: run as root to install packages" >&2; exit 1; fi; \
		waited=0; until out=$$(apt-get $(APT_LOCK_WAIT) update -qq 2>&1); do \
			echo "$$out" | grep -q 'Could not get lock' && [ $$waited -lt $(APT_LOCK_TIMEOUT) ] || \
				{ echo "$$out" >&2; exit 1; }; \
			[ $$waited != 0 ] || echo "deps: apt's lists are locked by another apt: waiting"; \
			sleep 5; waited=$$((waited + 5)); \
		done; \
		[ -z "$$out" ] || echo "$$out"; \
		DEBIAN_FRONTEND=noninteractive apt-get $(APT_LOCK_WAIT) \
			install -y -qq --no-install-recommends $$missing || exit 1; \
		if echo " $$missing " | grep -q ' prometheus ' && [ -d /run/systemd/system ]; then \
			echo "deps: the tests need only promtool: stopping and disabling prometheus.service"; \
			systemctl disable --now prometheus.service; \
		fi; \
	else echo "deps: all present"; fi

# lib/ is a pure core: no I/O, clock, logging or process control. The list is matched against
# the undefined symbols of the archive, so a single stray printf fails the build.
PURITY_DENY := socket connect bind listen accept accept4 send sendto sendmsg sendmmsg recv recvfrom \
	recvmsg recvmmsg read write open open64 openat fopen fopen64 close fclose \
	clock_gettime gettimeofday time syslog vsyslog openlog \
	printf fprintf vprintf vfprintf dprintf puts fputs putchar fputc fwrite perror \
	__printf_chk __fprintf_chk __vfprintf_chk __vprintf_chk __dprintf_chk \
	exit _exit _Exit abort getrandom random rand srand

check-purity: $(LIBTCPFW)
	@bad=$$(nm -u $(LIBTCPFW) | awk '{print $$NF}' | sed 's/@.*//' | sort -u | \
		grep -x -F $(foreach s,$(PURITY_DENY),-e $(s)) || true); \
	if [ -n "$$bad" ]; then echo "check-purity: libtcpfw.a references:" $$bad >&2; exit 1; fi; \
	echo "check-purity: libtcpfw.a is pure"

# The design keeps files under ~800 lines: a .c file longer than SIZE_MAX_LINES fails, to be
# split along a concept (not by line count alone). SIZE_EXEMPT lists the files whose split is
# still pending elsewhere.
SIZE_MAX_LINES := 800
SIZE_EXEMPT :=
.PHONY: check-size
check-size:
	@files=$$(git ls-files '*.c' 2>/dev/null | grep . || find lib daemon tests -name '*.c'); \
	bad=$$(for f in $$files; do \
		case " $(SIZE_EXEMPT) " in *" $$f "*) continue ;; esac; \
		n=$$(wc -l < "$$f"); [ "$$n" -le $(SIZE_MAX_LINES) ] || echo "$$f ($$n lines)"; \
	done); \
	if [ -n "$$bad" ]; then echo "check-size: over $(SIZE_MAX_LINES) lines:" $$bad >&2; exit 1; fi; \
	echo "check-size: every .c file has at most $(SIZE_MAX_LINES) lines$(if $(SIZE_EXEMPT), (exempt: $(SIZE_EXEMPT)))"
# tcpfwctl links the protocol and the name tables, never the core that decides: no global
# symbol of any other lib/ object, no daemon library (nm and readelf, tests/check_tcpfwctl.sh).
.PHONY: check-tcpfwctl
check-tcpfwctl: $(TCPFWCTL) $(LIB_OBJS)
	@sh tests/check_tcpfwctl.sh $(TCPFWCTL) $(filter-out $(TCPFWCTL_LIB_OBJS),$(LIB_OBJS))

# Man pages, linted as Lintian does: groff's warnings are the only output allowed, so any
# line fails. The glob picks up every page in man/, whoever wrote it. Every page's .TH must
# name "tcpfw $(VERSION)" and the same date: bump them together with VERSION.
MAN_PAGES = $(sort $(wildcard man/*.[578]))
.PHONY: check-man
check-man:
	@fail=0; dates=""; for f in $(MAN_PAGES); do \
		th=$$(grep -m 1 '^\.TH ' "$$f"); \
		case $$th in *' "tcpfw $(VERSION)" '*) ;; \
		*) printf 'check-man: %s: .TH does not name "tcpfw $(VERSION)" (VERSION): %s\n' \
			"$$f" "$$th" >&2; fail=1 ;; esac; \
		dates="$$dates $$(echo "$$th" | awk '{ print $$4 }'):$$f"; \
		out=$$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z \
			"$$f" 2>&1 >/dev/null); \
		if [ -n "$$out" ]; then printf 'check-man: %s\n%s\n' "$$f" "$$out" >&2; fail=1; fi; \
	done; \
	if [ "$$(printf '%s\n' $$dates | cut -d: -f1 | sort -u | wc -l)" -gt 1 ]; then \
		echo "check-man: the pages disagree on the .TH date:$$dates" >&2; fail=1; fi; \
	[ $$fail = 0 ] || exit 1; \
	echo "check-man: $(words $(MAN_PAGES)) pages clean, all of tcpfw $(VERSION)"

# The cmocka binaries (lib's and the daemon's), then the bash completion of tcpfwctl
# (tests/completion) and tcpfwctl against a fake tcpfwd (tests/tcpfwctl).
unit: $(UNIT_BINS) $(DAEMON_UNIT_BINS) $(TCPFWCTL)
	@sh tests/unit/run.sh $(UNIT_BINS) $(DAEMON_UNIT_BINS)
	@bash tests/completion/test_tcpfwctl.sh $(TCPFWCTL)
	@sh tests/tcpfwctl/test_sync.sh $(TCPFWCTL)

# The differential receiver model (tests/model): a reference of what a Linux endpoint accepts,
# legitimate conversations with injected segments through the tracker, and the claim that a
# segment the receiver discards never moves the tracker. TCP_MODEL_SEED=n replays one seed;
# N_SEEDS (a -D define) sets how many seeds a run takes (20000 by default, about a second).
MODEL_SRCS := $(sort $(wildcard tests/model/*.c))
MODEL_BIN := $(BUILD)/tests/model/test_tcp_track_model
$(BUILD)/tests/model/%.o: tests/model/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LIB_CFLAGS) -c -o $@ $<

$(MODEL_BIN): $(MODEL_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/tests/unit/track_cmp.o $(LIBTCPFW)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

.PHONY: check-model
check-model: $(MODEL_BIN)
	@sh tests/unit/run.sh $(MODEL_BIN)

check: deps
	$(MAKE) all
	@# the benchmarks are not run here, only built, so that an API change cannot break them
	$(MAKE) $(BENCH_BIN) $(MKFLOWS) $(FLOOR_BIN) $(ECHO_LAT_BIN) $(FASTPATH_COST_BIN)
	$(MAKE) check-purity
	$(MAKE) check-size
	$(MAKE) check-tcpfwctl
	$(MAKE) check-man
	$(MAKE) check-docs
	$(MAKE) check-units
	TCPFW_REQUIRE_BPF=1 $(MAKE) unit
	$(MAKE) check-model
	$(MAKE) SANITIZE=1 fuzz-replay
	$(MAKE) check-netns

# Network-namespace integration tests (root; each test skips when it cannot run).
.PHONY: check-netns
check-netns: all $(MKFLOWS)
	sh tests/netns/run.sh

# The same suite with tcpfwd's in-kernel fast path on in every test (lib.sh's write_conf and
# queue_rule): about 9 minutes, so not part of check; check-tsan runs its tests this way.
.PHONY: check-netns-fastpath
check-netns-fastpath: all $(MKFLOWS)
	TCPFW_NETNS_FASTPATH=1 sh tests/netns/run.sh

# tcpfwd and tcpfwctl built with ThreadSanitizer (build-tsan/), then the netns tests that drive
# the worker threads and the control thread at once (list, watch, trace and capture while traffic
# flows, kill --reset, reload, parameters), with the in-kernel fast path on, whose harvest runs on
# the worker beside the control calls: the first report stops tcpfwd (halt_on_error), and
# lib.sh fails a test whose tcpfwd log holds a sanitizer report.
TSAN_NETNS_TESTS := test_control test_trace test_reload test_ctl_habits test_http_transfer test_reset
TSAN_RUN_OPTIONS := halt_on_error=1 exitcode=66 second_deadlock_stack=1
.PHONY: check-tsan
check-tsan:
	$(MAKE) TSAN=1 all
	TCPFW_NETNS_FASTPATH=1 TSAN_OPTIONS="$(TSAN_RUN_OPTIONS) $$TSAN_OPTIONS" \
		TCPFWD=$(CURDIR)/build-tsan/tcpfwd \
		TCPFWCTL=$(CURDIR)/build-tsan/tcpfwctl sh tests/netns/run.sh \
		$(TSAN_NETNS_TESTS:%=tests/netns/%.sh)

# The demo (root, under a minute): real and crafted traffic through tcpfwd in throwaway
# network namespaces, shown with tcpfwctl list, stats and watch.
.PHONY: demo
demo: deps
	@$(MAKE) --no-print-directory all
	@bash tests/demo/demo.sh

# BENCH_ARGS=--quick for 1k and 100k flows only. Figures are reported, never judged; the exit
# status fails only when legitimate traffic was dropped.
bench: $(BENCH_BIN) $(MKFLOWS) $(FLOOR_BIN) $(ECHO_LAT_BIN) $(FASTPATH_COST_BIN) all
	$(BENCH_BIN) $(BENCH_ARGS)
	$(FASTPATH_COST_BIN)
	bash tests/bench/list_stall.sh
	BUILD=$(BUILD) bash tests/bench/resume_time.sh
	BUILD=$(BUILD) bash tests/bench/netns_bench.sh

# Instructions per packet of a fixed workload: only the timed loop (feed_timed) is collected.
# CALLGRIND_ARGS adds engine_bench options: --batched, --accounting, --only MIX.
CALLGRIND_OUT := $(BUILD)/callgrind.out
CALLGRIND_ARGS ?=
bench-callgrind: $(BENCH_BIN)
	valgrind --tool=callgrind --toggle-collect='feed_timed*' --callgrind-out-file=$(CALLGRIND_OUT) \
		$(BENCH_BIN) --callgrind $(CALLGRIND_ARGS) > $(CALLGRIND_OUT).txt; rc=$$?; \
		cat $(CALLGRIND_OUT).txt; \
		[ $$rc = 0 ] || exit $$rc
	callgrind_annotate --inclusive=no $(CALLGRIND_OUT) | head -n 40
	@awk '/^callgrind packets:/ { n = $$3 } /^(summary|totals):/ { ir = $$2 } \
		END { if (n) printf "bench-callgrind: %.0f Ir/packet (%d Ir, %d packets)\n", ir / n, ir, n }' \
		$(CALLGRIND_OUT).txt $(CALLGRIND_OUT)

clean:
	rm -rf build build-san build-tsan build-compdb compile_commands.json

# ---- deb, check-deb ----
# make deb: the Debian package of debian/ (dpkg-buildpackage -b, unsigned), built in a copy of
# the tree in build/deb/tcpfw-VERSION, so that neither debian/ nor the parent directory gets
# build output; tcpfw_VERSION_ARCH.deb, its -dbgsym and the .changes land in build/deb/.
# The changelog's version must be VERSION. Needs debhelper (make deps installs it).
DEB_OUT := build/deb
.PHONY: deb check-deb
deb:
	@v=$$(dpkg-parsechangelog -S Version); [ "$$v" = "$(VERSION)" ] || \
		{ echo "deb: debian/changelog is at $$v, the Makefile at $(VERSION)" >&2; exit 1; }
	rm -rf $(DEB_OUT)
	mkdir -p $(DEB_OUT)/tcpfw-$(VERSION)
	tar -c --exclude-vcs --exclude=./build --exclude='./build-*' --exclude=./compile_commands.json \
		--exclude=./debian/tcpfw --exclude=./debian/.debhelper -f - . | \
		tar -x -C $(DEB_OUT)/tcpfw-$(VERSION)
	cd $(DEB_OUT)/tcpfw-$(VERSION) && dpkg-buildpackage -us -uc -b
	rm -rf $(DEB_OUT)/tcpfw-$(VERSION)
	@ls $(DEB_OUT)/*.deb

# make check-deb (root): builds the package, then lintian (no error or warning may remain
# un-overridden; the informational and pedantic tags are printed), dpkg -i and --purge on
# this machine (tests/package, skipped where tcpfw is installed already), and the package's
# unit under systemd in a container (tests/package/test_package.sh).
check-deb: deps deb
	@out=$$(lintian -I --pedantic $(DEB_OUT)/*.changes 2>&1); printf '%s\n' "$$out"; \
		! printf '%s\n' "$$out" | grep -q '^[EW]: ' || \
		{ echo "check-deb: lintian reports errors or warnings" >&2; exit 1; }; \
		echo "check-deb: lintian: no error, no warning"
	sh tests/netns/run.sh tests/package/test_install.sh tests/package/test_package.sh

# ---- install, uninstall, check-units ----
# make install [PREFIX=/usr] [DESTDIR=DIR]: the binaries `all` built, the unit and its
# helper tcpfw-ruleset (their /usr/sbin, /usr/lib/tcpfw and /etc/tcpfwd paths rewritten to
# SBINDIR, LIBEXECDIR and SYSCONFDIR), the sysusers.d and
# tmpfiles.d snippets, the journal catalog, man/*.8, man/*.5 and man/*.7, tcpfwctl's bash completion,
# and the configuration files,
# each only where none exists yet: an existing /etc/tcpfwd/tcpfwd.conf, tcpfw.nft or
# tcpfw-iptables.sh is never overwritten. Nothing is created, enabled or started: after a real
# install run systemd-sysusers, systemd-tmpfiles --create tcpfwd.conf, journalctl
# --update-catalog and systemctl daemon-reload.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
ifeq ($(PREFIX),/usr)
SYSTEMD_PC_VAR = $(shell $(PKG_CONFIG) --variable=$(1) systemd 2>/dev/null)
COMPLETIONSDIR ?= $(or $(shell $(PKG_CONFIG) --variable=completionsdir bash-completion 2>/dev/null),\
	/usr/share/bash-completion/completions)
UNITDIR ?= $(or $(call SYSTEMD_PC_VAR,systemdsystemunitdir),/lib/systemd/system)
SYSUSERSDIR ?= $(or $(call SYSTEMD_PC_VAR,sysusersdir),/usr/lib/sysusers.d)
TMPFILESDIR ?= $(or $(call SYSTEMD_PC_VAR,tmpfilesdir),/usr/lib/tmpfiles.d)
CATALOGDIR ?= $(or $(call SYSTEMD_PC_VAR,catalogdir),/usr/lib/systemd/catalog)
else
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
# journalctl reads catalogs from /usr/lib and /usr/local/lib only
CATALOGDIR ?= $(PREFIX)/lib/systemd/catalog
# bash-completion looks in share/bash-completion/completions of every $XDG_DATA_DIRS entry
COMPLETIONSDIR ?= $(PREFIX)/share/bash-completion/completions
endif
# the unit's helper, tcpfw-ruleset (Debian: /usr/lib/tcpfw)
LIBEXECDIR ?= $(PREFIX)/lib/tcpfw
TCPFW_CONFDIR = $(SYSCONFDIR)/tcpfwd
TCPFW_CONF_FILES := tcpfwd.conf:0644 tcpfw.nft:0644 tcpfw-iptables.sh:0755
INSTALL_MAN8 = $(wildcard man/*.8)
INSTALL_MAN5 = $(wildcard man/*.5)
INSTALL_MAN7 = $(wildcard man/*.7)
# The shipped unit and rulesets name the PREFIX=/usr paths; nft stays /usr/sbin/nft.
INSTALL_SED = sed -e 's|/usr/sbin/tcpfw|$(SBINDIR)/tcpfw|g' -e 's|/etc/tcpfwd/|$(TCPFW_CONFDIR)/|g' \
	-e 's|/usr/lib/tcpfw/|$(LIBEXECDIR)/|g'

.PHONY: install uninstall check-units
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(CATALOGDIR) $(DESTDIR)$(COMPLETIONSDIR) \
		$(DESTDIR)$(TCPFW_CONFDIR) $(DESTDIR)$(LIBEXECDIR)
	install -m 0755 $(BUILD)/tcpfwd $(DESTDIR)$(SBINDIR)/tcpfwd
	@if [ -f $(BUILD)/tcpfwctl ]; then \
		echo "install -m 0755 $(BUILD)/tcpfwctl $(DESTDIR)$(SBINDIR)/tcpfwctl"; \
		install -m 0755 $(BUILD)/tcpfwctl $(DESTDIR)$(SBINDIR)/tcpfwctl; \
	else echo "install: $(BUILD)/tcpfwctl not built, skipped (the unit's ExecReload needs it)" >&2; fi
	$(INSTALL_SED) systemd/tcpfwd.service > $(DESTDIR)$(UNITDIR)/tcpfwd.service
	$(INSTALL_SED) systemd/tcpfw-ruleset > $(DESTDIR)$(LIBEXECDIR)/tcpfw-ruleset
	chmod 0755 $(DESTDIR)$(LIBEXECDIR)/tcpfw-ruleset
	$(INSTALL_SED) systemd/tcpfwd-metrics.service > $(DESTDIR)$(UNITDIR)/tcpfwd-metrics.service
	install -m 0644 systemd/tcpfwd-metrics.timer $(DESTDIR)$(UNITDIR)/tcpfwd-metrics.timer
	chmod 0644 $(DESTDIR)$(UNITDIR)/tcpfwd.service $(DESTDIR)$(UNITDIR)/tcpfwd-metrics.service
	install -m 0644 systemd/tcpfwd.sysusers $(DESTDIR)$(SYSUSERSDIR)/tcpfwd.conf
	install -m 0644 systemd/tcpfwd.tmpfiles $(DESTDIR)$(TMPFILESDIR)/tcpfwd.conf
	install -m 0644 systemd/tcpfwd.catalog $(DESTDIR)$(CATALOGDIR)/tcpfwd.catalog
	$(INSTALL_SED) completion/tcpfwctl > $(DESTDIR)$(COMPLETIONSDIR)/tcpfwctl
	chmod 0644 $(DESTDIR)$(COMPLETIONSDIR)/tcpfwctl
	$(if $(INSTALL_MAN8),install -d $(DESTDIR)$(MANDIR)/man8)
	$(if $(INSTALL_MAN8),install -m 0644 $(INSTALL_MAN8) $(DESTDIR)$(MANDIR)/man8/)
	$(if $(INSTALL_MAN5),install -d $(DESTDIR)$(MANDIR)/man5)
	$(if $(INSTALL_MAN5),install -m 0644 $(INSTALL_MAN5) $(DESTDIR)$(MANDIR)/man5/)
	$(if $(INSTALL_MAN7),install -d $(DESTDIR)$(MANDIR)/man7)
	$(if $(INSTALL_MAN7),install -m 0644 $(INSTALL_MAN7) $(DESTDIR)$(MANDIR)/man7/)
	@for f in $(TCPFW_CONF_FILES); do \
		name=$${f%:*}; mode=$${f#*:}; dst=$(DESTDIR)$(TCPFW_CONFDIR)/$$name; \
		if [ -e "$$dst" ]; then echo "install: $$dst exists: kept, not overwritten"; continue; fi; \
		echo "install -m $$mode conf/$$name $$dst"; \
		$(INSTALL_SED) conf/$$name > "$$dst.tmp" && chmod $$mode "$$dst.tmp" && \
			mv "$$dst.tmp" "$$dst" || exit 1; \
	done

# Removes what install put, except configuration files that differ from the shipped ones (the
# operator's). It neither stops the service nor removes the tcpfwd user, /var/lib/tcpfwd or
# the nft table: `systemctl disable --now tcpfwd` first.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/tcpfwd $(DESTDIR)$(SBINDIR)/tcpfwctl \
		$(DESTDIR)$(UNITDIR)/tcpfwd.service $(DESTDIR)$(UNITDIR)/tcpfwd-metrics.service \
		$(DESTDIR)$(UNITDIR)/tcpfwd-metrics.timer $(DESTDIR)$(SYSUSERSDIR)/tcpfwd.conf \
		$(DESTDIR)$(TMPFILESDIR)/tcpfwd.conf $(DESTDIR)$(CATALOGDIR)/tcpfwd.catalog \
		$(DESTDIR)$(LIBEXECDIR)/tcpfw-ruleset \
		$(DESTDIR)$(COMPLETIONSDIR)/tcpfwctl \
		$(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(INSTALL_MAN8))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(INSTALL_MAN5))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(INSTALL_MAN7)))
	@for f in $(TCPFW_CONF_FILES); do \
		name=$${f%:*}; dst=$(DESTDIR)$(TCPFW_CONFDIR)/$$name; \
		[ -e "$$dst" ] || continue; \
		if $(INSTALL_SED) conf/$$name | cmp -s - "$$dst"; then echo "rm -f $$dst"; rm -f "$$dst"; \
		else echo "uninstall: $$dst differs from the shipped file: kept"; fi; \
	done; \
	rmdir $(DESTDIR)$(TCPFW_CONFDIR) $(DESTDIR)$(LIBEXECDIR) 2>/dev/null || true

# Installs into a scratch prefix, so that the unit's rewritten paths name the files just
# installed, then checks without a running systemd: the unit (systemd-analyze verify with no
# output at all, since unknown keys are only warnings; security --offline with exposure
# <= 2.5; the man pages of Documentation= once man/ has all three), the sysusers.d
# and tmpfiles.d snippets (applied to a scratch root), the journal catalog (it compiles, and it
# and tcpfwd(8) have every MESSAGE_ID of log.h), and that the shipped tcpfw.nft and
# tcpfw-iptables.sh agree with the queue range and fail_open of the shipped tcpfwd.conf.
CHECK_UNITS_MAN := man/tcpfwd.8 man/tcpfwctl.8 man/tcpfwd.conf.5
check-units: all
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(MAKE) --no-print-directory install DESTDIR= PREFIX=$$tmp/usr SBINDIR=$$tmp/usr/sbin \
		MANDIR=$$tmp/usr/share/man SYSCONFDIR=$$tmp/etc UNITDIR=$$tmp/usr/lib/systemd/system \
		SYSUSERSDIR=$$tmp/usr/lib/sysusers.d TMPFILESDIR=$$tmp/usr/lib/tmpfiles.d >/dev/null; \
	unit=$$tmp/usr/lib/systemd/system/tcpfwd.service; \
	man=$(if $(filter-out $(wildcard $(CHECK_UNITS_MAN)),$(CHECK_UNITS_MAN)),no,yes); \
	[ $$man = yes ] || echo "check-units: man pages not checked, missing:" \
		$(filter-out $(wildcard $(CHECK_UNITS_MAN)),$(CHECK_UNITS_MAN)); \
	out=$$(MANPATH=$$tmp/usr/share/man systemd-analyze verify --man=$$man "$$unit" \
		"$${unit%/*}/tcpfwd-metrics.service" "$${unit%/*}/tcpfwd-metrics.timer" 2>&1) && \
		[ -z "$$out" ] || { echo "$$out" >&2; echo "check-units: verify failed" >&2; exit 1; }; \
	echo "check-units: systemd-analyze verify: clean"; \
	out=$$(systemd-analyze security --offline=yes --threshold=25 "$$unit" 2>&1) || \
		{ echo "$$out" >&2; echo "check-units: exposure above 2.5" >&2; exit 1; }; \
	echo "check-units: $$(echo "$$out" | grep 'Overall exposure')"; \
	mkdir -p "$$tmp/root/etc"; \
	out=$$(systemd-sysusers --root="$$tmp/root" "$$tmp/usr/lib/sysusers.d/tcpfwd.conf" 2>&1) || \
		{ echo "$$out" >&2; echo "check-units: sysusers.d snippet failed" >&2; exit 1; }; \
	out=$$(systemd-tmpfiles --root="$$tmp/root" --create "$$tmp/usr/lib/tmpfiles.d/tcpfwd.conf" 2>&1) || \
		{ [ "$$(id -u)" != 0 ] && ! echo "$$out" | grep -qv 'fchownat.*Operation not permitted'; } || \
		{ echo "$$out" >&2; echo "check-units: tmpfiles.d snippet failed" >&2; exit 1; }; \
	test -d "$$tmp/root/run/tcpfwd" && test -d "$$tmp/root/var/lib/tcpfwd"; \
	echo "check-units: sysusers.d and tmpfiles.d snippets apply$$([ "$$(id -u)" = 0 ] || \
		echo ' (not root: ownership not applied)')"; \
	out=$$(journalctl --root="$$tmp" --update-catalog 2>&1 && \
		journalctl --root="$$tmp" --list-catalog 2>&1) || \
		{ echo "$$out" >&2; echo "check-units: tcpfwd.catalog failed" >&2; exit 1; }; \
	ids=$$(sed -nE 's/^#define LOG_ID_[A-Z_]+[[:space:]]+"([0-9a-f]{32})".*/\1/p' \
		daemon/tcpfwd/log.h); \
	for id in $$ids; do \
		echo "$$out" | grep -q "^$$id tcpfw: " || \
			{ echo "check-units: tcpfwd.catalog lacks $$id (log.h)" >&2; exit 1; }; \
		grep -q "^\.B $$id$$" man/tcpfwd.8 || \
			{ echo "check-units: tcpfwd.8 lacks $$id (log.h)" >&2; exit 1; }; \
	done; \
	[ "$$(echo "$$out" | grep -c ' tcpfw: ')" = "$$(echo "$$ids" | wc -w)" ] || \
		{ echo "check-units: tcpfwd.catalog has ids log.h does not" >&2; exit 1; }; \
	echo "check-units: tcpfwd.catalog compiles; it and tcpfwd.8 have the $$(echo "$$ids" | wc -w)" \
		"MESSAGE_IDs of log.h"; \
	num=0; count=1; open=true; \
	eval "$$(awk -F '[=;[:space:]]+' '$$2 == "num" { print "num=" $$3 } \
		$$2 == "count" { print "count=" $$3 } $$2 == "fail_open" { print "open=" $$3 }' \
		conf/tcpfwd.conf)"; \
	last=$$((num + count - 1)); bypass=$$([ "$$open" = true ] && echo yes || echo no); \
	grep -qxF "define tcpfw_queues = $$num-$$last" conf/tcpfw.nft || \
		{ echo "check-units: tcpfw.nft: tcpfw_queues is not $$num-$$last" >&2; exit 1; }; \
	rules=$$(grep -c '^[^#]*queue num' conf/tcpfw.nft || true); \
	with=$$(grep -c '^[^#]*queue num .* bypass$$' conf/tcpfw.nft || true); \
	want=$$([ $$bypass = yes ] && echo "$$rules" || echo 0); \
	[ "$$rules" -ge 1 ] && [ "$$with" = "$$want" ] || \
		{ echo "check-units: tcpfw.nft: bypass on $$with of $$rules queue rules," \
			"fail_open = $$open" >&2; exit 1; }; \
	grep -qxF "QUEUES=\$${TCPFW_QUEUES:-$$num:$$last}" conf/tcpfw-iptables.sh && \
		grep -qxF "BYPASS=\$${TCPFW_BYPASS:-$$bypass}" conf/tcpfw-iptables.sh || \
		{ echo "check-units: tcpfw-iptables.sh: defaults are not $$num:$$last, bypass $$bypass" >&2; \
			exit 1; }; \
	echo "check-units: rulesets match tcpfwd.conf (queues $$num-$$last, fail_open = $$open)"; \
	gen=$$($(BUILD)/tcpfwd --print-ruleset -c conf/tcpfwd.conf | grep -v '^#'); \
	ann=$$(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$$' -e '^define ' conf/tcpfw.nft | \
		sed "s/\$$tcpfw_queues/$$num-$$last/"); \
	[ "$$gen" = "$$ann" ] || { echo "check-units: tcpfwd --print-ruleset differs from" \
		"tcpfw.nft:" >&2; printf '%s\n---\n%s\n' "$$gen" "$$ann" >&2; exit 1; }; \
	echo "check-units: tcpfwd --print-ruleset equals tcpfw.nft's rules"

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- fuzz, fuzz-replay ----
# make fuzz [FUZZ_SECONDS=60] [FUZZ_HARNESSES="packet engine"] [-j2]: each libFuzzer harness of
# tests/fuzz/ built with clang (-fsanitize=fuzzer,address,undefined, lib/ instrumented too) into
# build-fuzz/, then run for FUZZ_SECONDS on a scratch corpus (build-fuzz/corpus/<h>, where new
# inputs go) plus the checked-in seeds (tests/fuzz/corpus/<h>, only read). -j2 runs two at once.
# It prints executions and crashes per harness and fails on any crash; reproducers are in
# build-fuzz/artifacts/, logs in build-fuzz/fuzz_<h>.log. Not part of check.
# make fuzz-replay: the same harnesses built with $(CC) and tests/fuzz/replay.c instead of
# libFuzzer, every corpus file run once; check runs it with SANITIZE=1 (ASan+UBSan, seconds).
FUZZ_HARNESSES ?= packet engine config ctl_proto snapshot model pcapng nfqueue sync_proto fastpath
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_BUILD := build-fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=gnu11 -D_GNU_SOURCE -DTCPFW_VERSION='"$(VERSION)"' $(filter-out -Werror,$(WARN)) \
	-O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -Ilib -Itests/unit -Itests/model \
	$(LIB_CFLAGS)
# What every harness links besides its own file, in both builds.
FUZZ_HELPERS := tests/unit/pktbuild.o tests/unit/track_cmp.o tests/fuzz/fuzz_common.o \
	tests/model/tcp_model.o tests/model/model_conv.o tests/model/model_judge.o \
	tests/unit/pcapng_walk.o
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FUZZ_BUILD)/%.o) $(FUZZ_HELPERS:%=$(FUZZ_BUILD)/%)
FUZZ_RUNS := $(FUZZ_HARNESSES:%=fuzz-run-%)
FUZZ_ENV = ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 LSAN_OPTIONS=suppressions=tests/fuzz/lsan.supp
REPLAY_BINS := $(FUZZ_HARNESSES:%=$(BUILD)/tests/fuzz/replay_%)

.PHONY: fuzz fuzz-replay $(FUZZ_RUNS)

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LIB_LIBS) $(EXTRA_LIBS)

# One run; its result line goes to build-fuzz/fuzz_<h>.result for the summary below.
$(FUZZ_RUNS): fuzz-run-%: $(FUZZ_BUILD)/fuzz_%
	@set -u; h=$*; log=$(FUZZ_BUILD)/fuzz_$$h.log; stamp=$(FUZZ_BUILD)/fuzz_$$h.stamp; \
	mkdir -p $(FUZZ_BUILD)/corpus/$$h $(FUZZ_BUILD)/artifacts; touch $$stamp; \
	echo "fuzz: $$h for $(FUZZ_SECONDS) s, log in $$log"; start=$$(date +%s); \
	$(FUZZ_ENV) $(FUZZ_BUILD)/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$h- \
		$(FUZZ_BUILD)/corpus/$$h tests/fuzz/corpus/$$h >$$log 2>&1; rc=$$?; \
	secs=$$(( $$(date +%s) - start )); \
	execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log | tail -n 1); \
	crashes=$$(find $(FUZZ_BUILD)/artifacts -name "$$h-*" -newer $$stamp | wc -l); \
	[ $$rc = 0 ] || [ $$crashes -gt 0 ] || crashes=1; \
	printf '%-10s %8s %12s %8s\n' $$h $$secs "$${execs:-?}" $$crashes | tee $(FUZZ_BUILD)/fuzz_$$h.result; \
	find $(FUZZ_BUILD)/artifacts -name "$$h-*" -newer $$stamp -exec echo "fuzz: $$h: reproducer" {} \;; \
	[ $$crashes = 0 ] || grep -m 3 -E 'ERROR:|invariant failed|runtime error' $$log | \
		sed "s/^/fuzz: $$h: /"; true

fuzz: $(FUZZ_RUNS)
	@printf '%-10s %8s %12s %8s\n' harness seconds execs crashes; \
	cat $(FUZZ_HARNESSES:%=$(FUZZ_BUILD)/fuzz_%.result); \
	! awk '$$4 != 0 { bad = 1 } END { exit !bad }' $(FUZZ_HARNESSES:%=$(FUZZ_BUILD)/fuzz_%.result)

$(BUILD)/tests/fuzz/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o \
		$(FUZZ_HELPERS:%=$(BUILD)/%) $(LIBTCPFW)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(EXTRA_LIBS)

# The pcapng tests read what the writer wrote with libpcap.
$(BUILD)/tests/unit/test_pcapng.o $(BUILD)/tests/fuzz/fuzz_pcapng.o: ALL_CFLAGS += $(PCAP_CFLAGS)
$(FUZZ_BUILD)/tests/fuzz/fuzz_pcapng.o: FUZZ_CFLAGS += $(PCAP_CFLAGS)
$(BUILD)/tests/unit/test_pcapng $(BUILD)/tests/fuzz/replay_pcapng $(FUZZ_BUILD)/fuzz_pcapng: \
	EXTRA_LIBS = $(PCAP_LIBS)

# fuzz_nfqueue and test_nfqueue: tcpfwd's netlink parser (nfqueue.o) and the message builder,
# with libmnl and libnetfilter_queue.
NFQ_TEST_LIBS = $(shell $(PKG_CONFIG) --libs libmnl libnetfilter_queue)
$(BUILD)/tests/unit/test_nfqueue.o $(BUILD)/tests/fuzz/fuzz_nfqueue.o: ALL_CFLAGS += -Idaemon/tcpfwd
$(FUZZ_BUILD)/tests/fuzz/fuzz_nfqueue.o: FUZZ_CFLAGS += -Idaemon/tcpfwd
$(BUILD)/tests/unit/test_nfqueue: $(BUILD)/daemon/tcpfwd/nfqueue.o $(BUILD)/tests/fuzz/nfq_build.o
$(BUILD)/tests/fuzz/replay_nfqueue: $(BUILD)/daemon/tcpfwd/nfqueue.o
$(FUZZ_BUILD)/fuzz_nfqueue: $(FUZZ_BUILD)/daemon/tcpfwd/nfqueue.o
$(BUILD)/tests/unit/test_nfqueue $(BUILD)/tests/fuzz/replay_nfqueue $(FUZZ_BUILD)/fuzz_nfqueue: \
	EXTRA_LIBS = $(NFQ_TEST_LIBS)

# fuzz_fastpath: the BPF program as tcpfwd loads it (fastpath.o, the object built in), its test
# runner and the flow generator, with libbpf.
FP_FUZZ_OBJS := daemon/tcpfwd/fastpath.o daemon/tcpfwd/fastpath_blob.o tests/daemon/fp_bpf_judge.o \
	tests/unit/fp_gen.o
$(BUILD)/tests/fuzz/fuzz_fastpath.o: ALL_CFLAGS += -Idaemon/tcpfwd -Itests/daemon -Itests/unit
$(FUZZ_BUILD)/tests/fuzz/fuzz_fastpath.o $(FUZZ_BUILD)/tests/daemon/fp_bpf_judge.o \
	$(FUZZ_BUILD)/daemon/tcpfwd/fastpath.o: FUZZ_CFLAGS += -Idaemon/tcpfwd -Itests/daemon
$(FUZZ_BUILD)/daemon/tcpfwd/fastpath_blob.o: $(FASTPATH_OBJ)
$(FUZZ_BUILD)/daemon/tcpfwd/fastpath_blob.o: FUZZ_CFLAGS += -DTCPFW_FASTPATH_OBJ='"$(FASTPATH_OBJ)"'
$(BUILD)/tests/fuzz/replay_fastpath: $(FP_FUZZ_OBJS:%=$(BUILD)/%)
$(FUZZ_BUILD)/fuzz_fastpath: $(FP_FUZZ_OBJS:%=$(FUZZ_BUILD)/%)
$(BUILD)/tests/fuzz/replay_fastpath $(FUZZ_BUILD)/fuzz_fastpath: EXTRA_LIBS = -lbpf

fuzz-replay: $(REPLAY_BINS)
	@fail=0; for h in $(FUZZ_HARNESSES); do \
		$(FUZZ_ENV) $(BUILD)/tests/fuzz/replay_$$h tests/fuzz/corpus/$$h || fail=1; \
	done; exit $$fail

-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)

# ---- check-docs ----
# docs/ against the code: tests/docs/doc_facts prints the states, reasons, control methods and
# errors, the transition table the tracker really follows, tcp_track_deviations[] and the
# control protocol's example messages from libtcpfw.a; check_docs.sh fails when docs/tracking.md
# or docs/control-protocol.md misses one or still shows one the code no longer has (cells).
DOC_FACTS := $(BUILD)/tests/docs/doc_facts
$(DOC_FACTS): $(BUILD)/tests/docs/doc_facts.o $(LIBTCPFW)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS)

.PHONY: check-docs
check-docs: $(DOC_FACTS)
	@sh tests/docs/check_docs.sh $(DOC_FACTS)

# ---- lint, format, compile_commands.json ----
# make lint: every tracked C file formatted as .clang-format says (by clang-format-14), every
# tracked shell script (*.sh, and whatever starts with a sh or bash #!) clean under shellcheck
# at warning severity (.shellcheckrc), and cppcheck without a finding at warning, performance
# and portability level but those tests/lint/cppcheck.supp keeps, each with its reason (style
# is left out: its hits were declarations at the top of a block, kernel style, and false
# positives). Reads the file lists from git. make format rewrites the C files in place.
CLANG_FORMAT ?= clang-format-14
SHELLCHECK ?= shellcheck
CPPCHECK ?= cppcheck
LINT_C = git ls-files -z '*.c' '*.h'
LINT_SH = git ls-files | while read -r f; do case $$f in *.sh) echo "$$f" ;; *) \
	head -c 64 "$$f" 2>/dev/null | head -n 1 | grep -qE '^\#!.*[/ ](ba|da)?sh( |$$)' && \
	echo "$$f" ;; esac; done
CPPCHECK_FLAGS := -q -j2 --std=c11 --enable=warning,performance,portability --inline-suppr \
	--suppressions-list=tests/lint/cppcheck.supp --error-exitcode=1 \
	--template='{file}:{line}: {severity}: {id}: {message}' \
	-D_GNU_SOURCE -DTCPFW_VERSION='"$(VERSION)"' -Ilib -Idaemon/tcpfwd -Itests/unit -Itests/model \
	-Itests/daemon '-DSEC(name)=' '-DLIBBPF_OPTS(type,name,...)=struct type name = {0}'

.PHONY: lint lint-format lint-shell lint-cppcheck format compile_commands.json
lint: lint-format lint-shell lint-cppcheck

lint-format:
	@command -v $(CLANG_FORMAT) >/dev/null || \
		{ echo "lint: $(CLANG_FORMAT) is missing: make deps" >&2; exit 1; }
	@bad=$$($(LINT_C) | xargs -0 -n 16 -P 2 sh -c 'for f; do \
		$(CLANG_FORMAT) --dry-run -Werror "$$f" >/dev/null 2>&1 || echo "$$f"; done' sh); \
	if [ -n "$$bad" ]; then echo "lint: not formatted as .clang-format says ($(CLANG_FORMAT)," \
		"make format fixes them):" $$bad >&2; exit 1; fi; \
	echo "lint: clang-format: $$($(LINT_C) | tr -cd '\0' | wc -c) C files formatted"

format:
	$(LINT_C) | xargs -0 $(CLANG_FORMAT) -i

lint-shell:
	@files=$$($(LINT_SH)); \
	echo $$files | xargs -n 4 -P 2 $(SHELLCHECK) -S warning -f gcc || \
		{ echo "lint: shellcheck found the above" >&2; exit 1; }; \
	echo "lint: shellcheck: $$(echo $$files | wc -w) shell scripts clean"

lint-cppcheck:
	@mkdir -p $(BUILD) && $(LINT_C) | tr '\0' '\n' | grep '\.c$$' >$(BUILD)/cppcheck.files
	@$(CPPCHECK) $(CPPCHECK_FLAGS) --file-list=$(BUILD)/cppcheck.files || \
		{ echo "lint: cppcheck found the above" >&2; exit 1; }
	@echo "lint: cppcheck: $$(wc -l <$(BUILD)/cppcheck.files) C files clean"

# Every compilation of the default build, the tests, benchmarks and replay harnesses, recorded
# by bear from a full build into build-compdb/. For editors and clang tools; never committed.
compile_commands.json:
	bear --output $@ -- $(MAKE) --no-print-directory -B BUILD=build-compdb compdb-build

.PHONY: compdb-build
compdb-build: all $(UNIT_BINS) $(MODEL_BIN) $(BENCH_BIN) $(MKFLOWS) $(FLOOR_BIN) $(ECHO_LAT_BIN) \
		$(REPLAY_BINS)

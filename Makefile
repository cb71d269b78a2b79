# Aramid's entry points. `make run` boots to the console, `make test` runs
# every test (host unit tests, loom models, guest suites at -smp 1 and 4).
SMP     ?= 1
MEM     ?= 1G
ACCEL   ?= auto
APPEND  ?=
CARGO   ?= cargo
KTARGET := x86_64-unknown-none
BUILD   := build
KERNEL  := $(BUILD)/aramid.elf
INITRD  := $(BUILD)/initramfs.cpio
RUNNER  := target/release/aramid-runner
ROOT    := $(BUILD)/initramfs-root
TESTS   := $(basename $(notdir $(wildcard testing/programs/tests/*.c)))
TEST_BINS := $(foreach t,$(TESTS),$(ROOT)/tests/$(t) $(ROOT)/tests/$(t).musl)
DYN_TESTS := $(basename $(notdir $(filter-out testing/programs/dyn/lib%,$(wildcard testing/programs/dyn/*.c))))
DYN_BINS := $(foreach t,$(DYN_TESTS),$(ROOT)/tests/$(t))
DYN_LIBS := $(foreach l,$(basename $(notdir $(wildcard testing/programs/dyn/lib*.c))),$(ROOT)/tests/lib/$(l).so)
GUEST_BINS := $(foreach t,$(basename $(notdir $(wildcard testing/programs/guest/*.c))),$(ROOT)/guest/$(t))
PROGRAM_SUITE := $(BUILD)/suites/programs.toml
PROGRAM_HEADERS := $(wildcard testing/programs/*.h)
DEBIAN_ROOT := $(BUILD)/debian-root
DEBIAN_STAMP := $(BUILD)/debian-root.stamp
LINUX   := $(BUILD)/linux
REPS    ?= 3
export ACCEL

.PHONY: all toolchain kernel runner initramfs run debug test test-host test-loom test-guest test-systemd test-bench bench bench-systemd bench-quick deps check-deps clean clippy

all: kernel

## deps: install the Debian packages the build and the tests need
deps:
	@echo "==> installing build and test dependencies (Debian packages)"
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		qemu-system-x86 gcc libc6-dev musl-tools cpio make dpkg apt xz-utils gzip zstd >/dev/null
	@echo "==> rust toolchain (rust-toolchain.toml)"
	@rustup toolchain install >/dev/null

## toolchain: the Rust toolchain of rust-toolchain.toml with the kernel's
## target. A fresh machine's rustup lacks the pinned toolchain or its
## x86_64-unknown-none standard library ("can't find crate for `core`"):
## install them. Cheap when present (one rustc query); needs no rustup
## when the target is already there.
toolchain:
	@libdir=$$(rustc --print target-libdir --target $(KTARGET) 2>/dev/null); \
	if [ -z "$$libdir" ] || ! ls "$$libdir"/libcore-*.rlib >/dev/null 2>&1; then \
		if ! command -v rustup >/dev/null; then \
			echo "error: Rust's $(KTARGET) target is not installed and there is no rustup to install it" >&2; \
			echo "       (install rustup, or the toolchain of rust-toolchain.toml with that target)" >&2; \
			exit 1; \
		fi; \
		echo "==> installing the Rust toolchain of rust-toolchain.toml with $(KTARGET)"; \
		rustup toolchain install && rustup target add $(KTARGET); \
	fi

check-deps:
	@command -v qemu-system-x86_64 >/dev/null && command -v gcc >/dev/null && command -v musl-gcc >/dev/null \
		&& command -v zstd >/dev/null && command -v xz >/dev/null \
		|| { echo "==> missing qemu-system-x86_64, gcc, musl-gcc, zstd or xz: running make deps"; $(MAKE) --no-print-directory deps; }

## kernel: build/aramid.elf, bootable with qemu -kernel
kernel: toolchain
	@mkdir -p $(BUILD)
	$(CARGO) build -p kernel --release --target $(KTARGET)
	@cp target/$(KTARGET)/release/aramid $(KERNEL)

runner: toolchain
	$(CARGO) build -p runner --release

## initramfs: Debian's bash, coreutils, busybox and libc (pinned, from
## Debian's packages), the test programs (glibc and musl, static) and
## testing/initramfs
initramfs: runner $(DEBIAN_STAMP) $(ROOT)/tests/hello $(TEST_BINS) $(DYN_LIBS) $(DYN_BINS) $(GUEST_BINS) $(ROOT)/benches/bench
	$(RUNNER) cpio --out $(INITRD) --dir $(DEBIAN_ROOT) --dir testing/initramfs --dir $(ROOT) --char dev/console=5:1

## the benchmark program (static; the same binary under both kernels), and
## the names that select its quick and boot-only modes
$(ROOT)/benches/bench: benches/bench.c
	@mkdir -p $(@D)
	gcc -static -O2 -Wall -o $@ $< -lpthread
	ln -sf bench $(ROOT)/benches/bench-quick
	ln -sf bench $(ROOT)/benches/bench-boot

$(DEBIAN_STAMP): testing/debian/packages.txt testing/debian/fetch.sh
	bash testing/debian/fetch.sh
	@touch $@

$(ROOT)/tests/hello: testing/programs/hello.c
	@mkdir -p $(@D)
	gcc -static -O2 -Wall -o $@ $<

$(ROOT)/guest/%: testing/programs/guest/%.c $(PROGRAM_HEADERS)
	@mkdir -p $(@D)
	gcc -static -O2 -Wall -o $@ $<

## dynamically linked test programs: Debian's ld.so and libc.so.6 from the
## initramfs, their own libraries in /tests/lib (RUNPATH /tests/lib in the
## guest, $$ORIGIN/lib on the host: $$ORIGIN needs /proc/self/exe)
$(ROOT)/tests/lib/%.so: testing/programs/dyn/%.c
	@mkdir -p $(@D)
	gcc -O2 -Wall -shared -fPIC -o $@ $<

$(DYN_BINS): $(ROOT)/tests/%: testing/programs/dyn/%.c $(PROGRAM_HEADERS) $(DYN_LIBS)
	@mkdir -p $(@D)
	gcc -O2 -Wall -o $@ $< -L$(ROOT)/tests/lib $(patsubst $(ROOT)/tests/lib/lib%.so,-l%,$(DYN_LIBS)) -lm -lpthread -lrt -ldl '-Wl,-rpath,/tests/lib:$$ORIGIN/lib'

$(ROOT)/tests/%.musl: testing/programs/tests/%.c $(PROGRAM_HEADERS)
	@mkdir -p $(@D)
	musl-gcc -static -O2 -Wall -o $@ $<

$(ROOT)/tests/%: testing/programs/tests/%.c $(PROGRAM_HEADERS)
	@mkdir -p $(@D)
	gcc -static -O2 -Wall -o $@ $<

## multi-archive images for the boot suite (testing/initrd-parts/README):
## an uncompressed archive, then two compressed ones (gzip or zstd)
INITRD_PARTS := $(wildcard testing/initrd-parts/*/*/*/*)
COMPRESSED_IMAGES := $(BUILD)/initrd-gzip.img $(BUILD)/initrd-zstd.img $(BUILD)/initrd-parts/truncated.img
$(BUILD)/initrd-%.img: $(ROOT)/guest/initrd_parts $(INITRD_PARTS) runner
	@mkdir -p $(BUILD)/initrd-parts
	$(RUNNER) cpio --out $(BUILD)/initrd-parts/plain.cpio --dir testing/initrd-parts/plain --char dev/console=5:1
	$(RUNNER) cpio --out $(BUILD)/initrd-parts/$*-1.img --prepend $(BUILD)/initrd-parts/plain.cpio \
		--compress $* --file guest/initrd_parts=$(ROOT)/guest/initrd_parts
	$(RUNNER) cpio --out $@ --prepend $(BUILD)/initrd-parts/$*-1.img --compress $* --dir testing/initrd-parts/second

## the zstd image cut 100 bytes into its first compressed archive
$(BUILD)/initrd-parts/truncated.img: $(BUILD)/initrd-zstd.img
	head -c $$(( $$(stat -c %s $(BUILD)/initrd-parts/plain.cpio) + 100 )) $(BUILD)/initrd-parts/zstd-1.img > $@

## the program suite: each test program runs on the host's Linux first and
## the guest must print every line the host printed
$(PROGRAM_SUITE): $(TEST_BINS) $(DYN_BINS) runner
	$(RUNNER) host-suite --out $@ $(foreach b,$(TEST_BINS) $(DYN_BINS),--program /tests/$(notdir $(b))=$(b))

## the systemd images (testing/systemd/): Debian 12's systemd 252 with the
## minimal or the standard unit set
SYSTEMD_SRC := testing/systemd/build.sh testing/systemd/closure.sh testing/systemd/packages.txt \
	testing/systemd/masks.txt testing/debian/fetch.sh $(shell find testing/systemd/etc testing/systemd/units)
$(BUILD)/systemd-%.cpio: $(SYSTEMD_SRC) | runner
	bash testing/systemd/build.sh $* $@

## run: boot Debian's systemd with the standard unit set to a login prompt
## on the console (log in as root, no password); UNITS=minimal for the
## minimal unit set, INIT=/bin/sh (or any program) for the test initramfs
## with that init; IMAGE=FILE boots that initramfs as it is (plain, gzip
## or zstd, archives concatenated: an initrd.img from mkinitramfs or
## dracut; INIT= then names its init); SMP=4 for four CPUs; Ctrl-A X quits
## QEMU; a reboot boots again
UNITS   ?= standard
INIT    ?=
IMAGE   ?=
ifneq ($(IMAGE),)
RUN_DEPS   := runner
RUN_INITRD := $(IMAGE)
RUN_APPEND := $(if $(INIT),init=$(INIT) )$(APPEND)
else ifeq ($(INIT),)
RUN_DEPS   := $(BUILD)/systemd-$(UNITS).cpio
RUN_INITRD := $(BUILD)/systemd-$(UNITS).cpio
RUN_APPEND := rdinit=/lib/systemd/systemd $(APPEND)
else
RUN_DEPS   := initramfs
RUN_INITRD := $(INITRD)
RUN_APPEND := init=$(INIT) $(APPEND)
endif
run: check-deps kernel $(RUN_DEPS)
	$(RUNNER) run --interactive --kernel $(KERNEL) --initrd $(RUN_INITRD) --smp $(SMP) --mem $(MEM) --append "$(RUN_APPEND)"

## debug: QEMU waits for gdb on :1234 with the kernel's symbols
debug: check-deps kernel initramfs
	$(RUNNER) run --interactive --gdb --kernel $(KERNEL) --initrd $(INITRD) --smp $(SMP) --mem $(MEM) --append "$(APPEND)"

## linux: Debian's pinned kernel (bzImage and the vmlinux inside it)
$(LINUX)/vmlinux: testing/debian/linux.txt testing/debian/fetch_linux.sh
	bash testing/debian/fetch_linux.sh

## bench: Aramid and Linux side by side in the same QEMU (benches/README.md);
## writes benches/results/latest.md and latest.svg
bench: check-deps kernel initramfs runner $(BUILD)/systemd-minimal.cpio $(BUILD)/systemd-standard.cpio $(LINUX)/vmlinux
	$(RUNNER) bench --kernel $(KERNEL) --initrd $(INITRD) --linux $(LINUX)/vmlinux --bzimage $(LINUX)/vmlinuz \
		--reps $(REPS) --smp 1,4 --out benches/results
	bash benches/systemd.sh $(REPS)

## bench-systemd: systemd's startup on Aramid and Linux, same images
## (benches/systemd.sh; writes benches/results/systemd.md)
bench-systemd: check-deps kernel runner $(BUILD)/systemd-minimal.cpio $(BUILD)/systemd-standard.cpio $(LINUX)/vmlinux
	bash benches/systemd.sh $(REPS)

## bench-quick: one short pass on both kernels, to check the benchmarks run
bench-quick: check-deps kernel initramfs $(LINUX)/vmlinux
	$(RUNNER) bench --kernel $(KERNEL) --initrd $(INITRD) --linux $(LINUX)/vmlinux --quick --reps 1 --smp 1,4

## test: everything; .ci/run calls this
test: check-deps test-host test-loom test-guest test-systemd test-bench

test-host: toolchain
	@echo "==> host unit tests"
	$(CARGO) test --release

test-loom: toolchain
	@echo "==> loom models of the executor"
	RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 $(CARGO) test -p executor --release --test loom --target-dir target/loom

## test-bench: the benchmark program once, tiny iteration counts, on
## Aramid: every line must parse (never fails on a figure)
test-bench: kernel initramfs
	@echo "==> benchmark program (quick, Aramid)"
	$(RUNNER) bench --kernel $(KERNEL) --initrd $(INITRD) --quick --reps 1 --smp 1,4

test-guest: kernel initramfs $(PROGRAM_SUITE) $(COMPRESSED_IMAGES) $(LINUX)/vmlinux
	@echo "==> guest suites (TCG unless a KVM probe succeeds)"
	$(RUNNER) test --suite testing/suites/boot.toml --kernel $(KERNEL) --initrd $(INITRD)
	$(RUNNER) test --suite $(PROGRAM_SUITE) --kernel $(KERNEL) --initrd $(INITRD)
	$(RUNNER) test --suite testing/suites/guest.toml --kernel $(KERNEL) --initrd $(INITRD)
	$(RUNNER) test --suite testing/suites/shell.toml --kernel $(KERNEL) --initrd $(INITRD)
	@echo "==> the init sequence on Debian's Linux, then on Aramid"
	$(RUNNER) test --suite testing/suites/init.toml --kernel $(LINUX)/vmlinux --initrd $(INITRD)
	$(RUNNER) test --suite testing/suites/init.toml --kernel $(KERNEL) --initrd $(INITRD)

## test-systemd: Debian's systemd as PID 1 with each unit set at 1 and 4
## CPUs: no failed unit, a login on the console, a clean poweroff
test-systemd: check-deps kernel runner $(BUILD)/systemd-minimal.cpio $(BUILD)/systemd-standard.cpio
	@echo "==> systemd 252 as PID 1 (minimal and standard unit sets)"
	$(RUNNER) test --suite testing/suites/systemd-minimal.toml --kernel $(KERNEL) --initrd $(BUILD)/systemd-minimal.cpio
	$(RUNNER) test --suite testing/suites/systemd-standard.toml --kernel $(KERNEL) --initrd $(BUILD)/systemd-standard.cpio

clippy: toolchain
	$(CARGO) clippy --release
	$(CARGO) clippy -p kernel -p platform --release --target $(KTARGET)

clean:
	rm -rf $(BUILD) target

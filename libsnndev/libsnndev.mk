# SPDX-License-Identifier: LGPL-2.1-or-later
#
# libsnndev, included by the top-level Makefile (which sets B, CC and
# HOST_CFLAGS; paths are relative to the top directory).
#
#   LIB_HOST_TARGETS     what `make` builds:
#     $(B)/libsnndev/libsnndev.so.1.0.0  (+ libsnndev.so.1, libsnndev.so)
#                        the shared library; enumerates through libudev
#     $(B)/libsnndev/libsnndev.a         the same sources for static
#                        programs (the in-VM tests): built with
#                        -DSNNDEV_NO_LIBUDEV, it enumerates by reading
#                        /sys/class/snn itself (libudev has no static
#                        archive); no other difference
#     $(B)/libsnndev/libsnndev.pc        pkg-config file for PREFIX
#   HOST_TEST_TARGETS    += the library's host tests (make check-host):
#     test-libsnndev-net     network files, builder, images (ASan/UBSan)
#     test-libsnndev-dev     units, queues, enumeration, messages, against
#                            a mock driver and a fake sysfs (ASan/UBSan)
#     test-libsnndev-static  test-libsnndev-dev linked with libsnndev.a
#     test-libsnndev-abi     exported symbols, soname, install-lib, pkg-config
#     test-libsnndev-fuzz    libFuzzer on the network file reader for
#                            SNN_FUZZ_NETFILE_SECONDS (default 60)
#   For the tools:
#     LIBSNNDEV_CFLAGS     -I for snndev.h
#     LIBSNNDEV_LDLIBS     link with the shared library in the build tree
#     LIBSNNDEV_RPATH      -Wl,-rpath to run it from the build tree
#     LIBSNNDEV_SO, LIBSNNDEV_A   the files (make prerequisites)
#     LIBSNNDEV_STATIC_LDLIBS     link statically (no libudev needed)
#   make install-lib / uninstall-lib: DESTDIR, PREFIX (/usr/local), LIBDIR,
#     INCLUDEDIR, PKGCONFIGDIR

LIBSNNDEV_DIR	:= libsnndev
LIBSNNDEV_OUT	:= $(B)/libsnndev
LIBSNNDEV_VERSION := 0.1.0
LIBSNNDEV_SONAME := libsnndev.so.1
LIBSNNDEV_REAL	:= libsnndev.so.1.0.0

LIBSNNDEV_SO	:= $(LIBSNNDEV_OUT)/libsnndev.so
LIBSNNDEV_A	:= $(LIBSNNDEV_OUT)/libsnndev.a
LIBSNNDEV_PC	:= $(LIBSNNDEV_OUT)/libsnndev.pc
LIBSNNDEV_CFLAGS := -I$(LIBSNNDEV_DIR)
LIBSNNDEV_LDLIBS := -L$(LIBSNNDEV_OUT) -lsnndev
LIBSNNDEV_RPATH	:= -Wl,-rpath,$(LIBSNNDEV_OUT)
LIBSNNDEV_STATIC_LDLIBS := $(LIBSNNDEV_A)

LIBSNNDEV_NAMES	:= core net netfile enum unit queue
LIBSNNDEV_SRCS	:= $(patsubst %,$(LIBSNNDEV_DIR)/%.c,$(LIBSNNDEV_NAMES))
LIBSNNDEV_HDRS	:= $(LIBSNNDEV_DIR)/snndev.h $(LIBSNNDEV_DIR)/snndev_internal.h \
		   uapi/linux/snn.h
LIBSNNDEV_MAP	:= $(LIBSNNDEV_DIR)/libsnndev.map

LIBSNNDEV_UDEV_CFLAGS := $(shell pkg-config --cflags libudev 2>/dev/null)
LIBSNNDEV_UDEV_LIBS := $(or $(shell pkg-config --libs libudev 2>/dev/null),-ludev)

LIB_CPPFLAGS	:= -I$(LIBSNNDEV_DIR) -Iuapi
LIB_CFLAGS	 = $(HOST_CFLAGS) -Wundef -Wtype-limits -fPIC \
		   -fvisibility=hidden $(LIB_CPPFLAGS)
# the tests: sanitizers where the compiler has them (as the engine's)
LIB_TEST_CFLAGS	 = $(HOST_CFLAGS) -O1 -g $(ENGINE_SAN) $(LIB_CPPFLAGS) \
		   -Wno-missing-prototypes

LIB_SHARED_OBJS	:= $(patsubst %,$(LIBSNNDEV_OUT)/shared/%.o,$(LIBSNNDEV_NAMES))
LIB_STATIC_OBJS	:= $(patsubst %,$(LIBSNNDEV_OUT)/static/%.o,$(LIBSNNDEV_NAMES))
LIB_TEST_OBJS	:= $(patsubst %,$(LIBSNNDEV_OUT)/test/%.o,$(LIBSNNDEV_NAMES))

LIB_HOST_TARGETS := $(LIBSNNDEV_OUT)/$(LIBSNNDEV_REAL) \
		    $(LIBSNNDEV_OUT)/$(LIBSNNDEV_SONAME) $(LIBSNNDEV_SO) \
		    $(LIBSNNDEV_A) $(LIBSNNDEV_PC)

$(LIBSNNDEV_OUT)/shared/%.o: $(LIBSNNDEV_DIR)/%.c $(LIBSNNDEV_HDRS)
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) $(LIBSNNDEV_UDEV_CFLAGS) -c $< -o $@

$(LIBSNNDEV_OUT)/static/%.o: $(LIBSNNDEV_DIR)/%.c $(LIBSNNDEV_HDRS)
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) -DSNNDEV_NO_LIBUDEV -c $< -o $@

$(LIBSNNDEV_OUT)/test/%.o: $(LIBSNNDEV_DIR)/%.c $(LIBSNNDEV_HDRS)
	@mkdir -p $(@D)
	$(CC) $(LIB_TEST_CFLAGS) $(LIBSNNDEV_UDEV_CFLAGS) -c $< -o $@

$(LIBSNNDEV_OUT)/$(LIBSNNDEV_REAL): $(LIB_SHARED_OBJS) $(LIBSNNDEV_MAP)
	$(CC) -shared -Wl,-soname,$(LIBSNNDEV_SONAME) \
		-Wl,--version-script=$(LIBSNNDEV_MAP) -Wl,-z,defs \
		-Wl,-z,relro -Wl,-z,now -Wl,--as-needed \
		-o $@ $(LIB_SHARED_OBJS) $(LIBSNNDEV_UDEV_LIBS) -pthread

$(LIBSNNDEV_OUT)/$(LIBSNNDEV_SONAME): $(LIBSNNDEV_OUT)/$(LIBSNNDEV_REAL)
	ln -sf $(LIBSNNDEV_REAL) $@

$(LIBSNNDEV_SO): $(LIBSNNDEV_OUT)/$(LIBSNNDEV_SONAME)
	ln -sf $(LIBSNNDEV_SONAME) $@

$(LIBSNNDEV_A): $(LIB_STATIC_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

# ---- install --------------------------------------------------------------

PREFIX		?= /usr/local
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
PKGCONFIGDIR	?= $(LIBDIR)/pkgconfig

# (the file in the build tree is for the default PREFIX; install-lib
# writes one for the directories it installs to)
define LIBSNNDEV_PC_GEN
sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(LIBSNNDEV_VERSION)|' \
    $(LIBSNNDEV_DIR)/libsnndev.pc.in
endef

$(LIBSNNDEV_PC): $(LIBSNNDEV_DIR)/libsnndev.pc.in
	@mkdir -p $(@D)
	$(LIBSNNDEV_PC_GEN) > $@

.PHONY: install-lib uninstall-lib
install-lib: $(LIB_HOST_TARGETS)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
		$(DESTDIR)$(PKGCONFIGDIR)
	install -m 0755 $(LIBSNNDEV_OUT)/$(LIBSNNDEV_REAL) $(DESTDIR)$(LIBDIR)/
	ln -sf $(LIBSNNDEV_REAL) $(DESTDIR)$(LIBDIR)/$(LIBSNNDEV_SONAME)
	ln -sf $(LIBSNNDEV_SONAME) $(DESTDIR)$(LIBDIR)/libsnndev.so
	install -m 0644 $(LIBSNNDEV_A) $(DESTDIR)$(LIBDIR)/
	install -m 0644 $(LIBSNNDEV_DIR)/snndev.h $(DESTDIR)$(INCLUDEDIR)/
	$(LIBSNNDEV_PC_GEN) > $(DESTDIR)$(PKGCONFIGDIR)/libsnndev.pc
	chmod 0644 $(DESTDIR)$(PKGCONFIGDIR)/libsnndev.pc

uninstall-lib:
	rm -f $(DESTDIR)$(LIBDIR)/$(LIBSNNDEV_REAL) \
	      $(DESTDIR)$(LIBDIR)/$(LIBSNNDEV_SONAME) \
	      $(DESTDIR)$(LIBDIR)/libsnndev.so $(DESTDIR)$(LIBDIR)/libsnndev.a \
	      $(DESTDIR)$(INCLUDEDIR)/snndev.h \
	      $(DESTDIR)$(PKGCONFIGDIR)/libsnndev.pc

# ---- host tests -------------------------------------------------------------

LIB_TEST_DIR	:= $(LIBSNNDEV_DIR)/tests
LIB_TEST_HDRS	:= $(wildcard $(LIB_TEST_DIR)/*.h) $(LIBSNNDEV_HDRS)
# the engine's loader is the reference the image checks are compared with
LIB_ENGINE_SRCS	:= $(ENGINE_DIR)/snn_engine.c
LIB_MOCK_WRAP	:= -Wl,--wrap=ioctl -Wl,--wrap=mmap -Wl,--wrap=munmap \
		   -Wl,--wrap=close

$(B)/host/test-libsnndev-net: $(LIB_TEST_DIR)/test_net.c $(LIB_TEST_OBJS) \
			      $(LIB_ENGINE_SRCS) $(LIB_TEST_HDRS) $(ENGINE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(LIB_TEST_CFLAGS) -I$(ENGINE_DIR) -Idriver -o $@ \
		$(LIB_TEST_DIR)/test_net.c $(LIB_ENGINE_SRCS) \
		$(LIB_TEST_OBJS) $(LIBSNNDEV_UDEV_LIBS) -pthread

$(B)/host/test-libsnndev-dev: $(LIB_TEST_DIR)/test_dev.c \
			      $(LIB_TEST_DIR)/mock.c $(LIB_TEST_OBJS) \
			      $(LIB_TEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(LIB_TEST_CFLAGS) $(LIB_MOCK_WRAP) -o $@ \
		$(LIB_TEST_DIR)/test_dev.c $(LIB_TEST_DIR)/mock.c \
		$(LIB_TEST_OBJS) $(LIBSNNDEV_UDEV_LIBS) -pthread

# the same tests against the static archive: no libudev, no sanitizers
$(B)/host/test-libsnndev-static: $(LIB_TEST_DIR)/test_dev.c \
				 $(LIB_TEST_DIR)/mock.c $(LIBSNNDEV_A) \
				 $(LIB_TEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -Wno-missing-prototypes $(LIB_CPPFLAGS) \
		-DTEST_STATIC $(LIB_MOCK_WRAP) -o $@ \
		$(LIB_TEST_DIR)/test_dev.c $(LIB_TEST_DIR)/mock.c \
		$(LIBSNNDEV_A) -pthread

$(B)/host/test-libsnndev-abi: $(LIB_TEST_DIR)/test_abi.sh $(LIB_HOST_TARGETS)
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@

# libFuzzer needs clang (scripts/packages.txt: clang-14, libclang-rt-14-dev);
# without it the fuzz binary is not built and the fuzz test reports a skip.
FUZZ_CC		?= $(shell command -v clang-14 || command -v clang)
LIB_FUZZ_BIN	:= $(B)/host/fuzz-netfile
LIB_FUZZ_FLAGS	:= -O1 -g -std=gnu11 -Wall -Wextra \
		   -fsanitize=fuzzer,address,undefined \
		   -fno-sanitize-recover=undefined -DSNNDEV_NO_LIBUDEV

$(LIB_FUZZ_BIN): $(LIB_TEST_DIR)/fuzz_netfile.c $(LIBSNNDEV_SRCS) \
		 $(LIB_ENGINE_SRCS) $(LIB_TEST_HDRS) $(ENGINE_HDRS)
	@mkdir -p $(@D)
	@rm -f $@
	@if [ -n "$(FUZZ_CC)" ] && printf 'int LLVMFuzzerTestOneInput(const char *d, long n){return 0;}\n' | \
	    $(FUZZ_CC) -fsanitize=fuzzer -x c - -o $@.probe >/dev/null 2>&1; then \
		rm -f $@.probe; \
		echo "$(FUZZ_CC) $(LIB_FUZZ_FLAGS) ... -o $@"; \
		$(FUZZ_CC) $(LIB_FUZZ_FLAGS) $(LIB_CPPFLAGS) -I$(ENGINE_DIR) \
			-Idriver -o $@ $(LIB_TEST_DIR)/fuzz_netfile.c \
			$(LIBSNNDEV_SRCS) $(LIB_ENGINE_SRCS) -pthread; \
	else \
		rm -f $@.probe; \
		echo "no libFuzzer (clang -fsanitize=fuzzer): $@ not built"; \
	fi

$(B)/host/test-libsnndev-fuzz: $(LIB_TEST_DIR)/test_fuzz.sh \
			       $(B)/host/test-libsnndev-net $(LIB_FUZZ_BIN)
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@

.PHONY: fuzz-netfile
fuzz-netfile: $(B)/host/test-libsnndev-fuzz
	$(B)/host/test-libsnndev-fuzz

HOST_TEST_TARGETS += $(B)/host/test-libsnndev-net $(B)/host/test-libsnndev-dev \
		     $(B)/host/test-libsnndev-static $(B)/host/test-libsnndev-abi \
		     $(B)/host/test-libsnndev-fuzz

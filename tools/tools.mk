# SPDX-License-Identifier: GPL-2.0
#
# tools/ (snnctl): included by the top-level Makefile, after
# libsnndev/libsnndev.mk (LIBSNNDEV_SO, LIBSNNDEV_A, LIBSNNDEV_CFLAGS,
# LIBSNNDEV_LDLIBS).
#
#   TOOLS_HOST_TARGETS   what `make` builds:
#     $(B)/tools/snnctl           against the shared libsnndev, with an
#                                 rpath to it, to run from the build tree
#   $(B)/tools/install/snnctl     the same without the rpath: what
#                                 `make install` installs
#   HOST_TEST_TARGETS += the snnctl host tests (make check-host):
#     $(B)/host/test-snnctl-unit  C unit tests: spike files, names, JSON,
#                                 text descriptions and images (no device)
#     $(B)/host/test-snnctl       the command line: usage, exit codes,
#                                 messages, --json syntax, convert
#     $(B)/host/test-install      make install/uninstall into a DESTDIR
#   install-tools / uninstall-tools   snnctl, its man page, bash completion

SNNCTL_SRCS	:= $(sort $(wildcard tools/snnctl/*.c))
SNNCTL_HDRS	:= $(wildcard tools/snnctl/*.h) libsnndev/snndev.h
SNNCTL_OBJDIR	:= $(B)/tools/obj
SNNCTL_OBJS	:= $(patsubst tools/snnctl/%.c,$(SNNCTL_OBJDIR)/%.o,$(SNNCTL_SRCS))
# everything but main.c and the commands: what the unit tests link
SNNCTL_LIB_SRCS	:= $(filter-out tools/snnctl/main.c tools/snnctl/cmd_%.c,\
		   $(SNNCTL_SRCS))
SNNCTL_CFLAGS	 = $(HOST_CFLAGS) -Itools/snnctl -Ilibsnndev $(LIBSNNDEV_CFLAGS)
SNNCTL_LIBS	 = -lpthread -lm

SNNCTL		:= $(B)/tools/snnctl
SNNCTL_INSTALL	:= $(B)/tools/install/snnctl

# (until libsnndev.mk defines the library, snnctl is not built)
ifneq ($(LIBSNNDEV_SO),)
TOOLS_HOST_TARGETS := $(SNNCTL) $(SNNCTL_INSTALL)
else
TOOLS_HOST_TARGETS :=
endif

$(SNNCTL_OBJDIR)/%.o: tools/snnctl/%.c $(SNNCTL_HDRS)
	@mkdir -p $(@D)
	$(CC) $(SNNCTL_CFLAGS) -c $< -o $@

$(SNNCTL): $(SNNCTL_OBJS) $(LIBSNNDEV_SO)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -o $@ $(SNNCTL_OBJS) $(LIBSNNDEV_LDLIBS) \
		$(LIBSNNDEV_RPATH) $(SNNCTL_LIBS)

$(SNNCTL_INSTALL): $(SNNCTL_OBJS) $(LIBSNNDEV_SO)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -o $@ $(SNNCTL_OBJS) $(LIBSNNDEV_LDLIBS) \
		$(SNNCTL_LIBS)

# ---- host tests -----------------------------------------------------------------

# (ASan/UBSan where the compiler has them, as the engine's tests)
$(B)/host/test-snnctl-unit: tools/tests/test_snnctl_unit.c $(SNNCTL_LIB_SRCS) \
			    $(LIBSNNDEV_A) $(SNNCTL_HDRS) \
			    selftests/lib/mini_json.h
	@mkdir -p $(@D)
	$(CC) $(SNNCTL_CFLAGS) -O1 $(ENGINE_SAN) -Iselftests/lib -o $@ $< \
		$(SNNCTL_LIB_SRCS) $(LIBSNNDEV_A) $(SNNCTL_LIBS)

$(B)/host/test-snnctl: tools/tests/test_snnctl.sh $(SNNCTL) \
		       $(B)/host/snn-mkimg $(B)/host/snn-sim
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@

$(B)/host/test-install: tools/tests/test_install.sh
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@

ifneq ($(LIBSNNDEV_SO),)
HOST_TEST_TARGETS += $(B)/host/test-snnctl-unit $(B)/host/test-snnctl \
		     $(B)/host/test-install
endif

# ---- install ------------------------------------------------------------------------

.PHONY: install-tools uninstall-tools

install-tools: $(SNNCTL_INSTALL)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(SNNCTL_INSTALL) $(DESTDIR)$(BINDIR)/snnctl
	install -m 0644 tools/snnctl.1 $(DESTDIR)$(MANDIR)/man1/snnctl.1
	install -m 0644 tools/snnctl.bash-completion \
		$(DESTDIR)$(BASHCOMPDIR)/snnctl

uninstall-tools:
	rm -f $(DESTDIR)$(BINDIR)/snnctl $(DESTDIR)$(MANDIR)/man1/snnctl.1 \
		$(DESTDIR)$(BASHCOMPDIR)/snnctl

# SPDX-License-Identifier: GPL-2.0
#
# udev/: the udev rules and the group of the snn boards, included by the
# top-level Makefile (which sets DESTDIR, PREFIX, UDEVRULESDIR and
# SYSUSERSDIR).
#
#   install-udev     60-snndev.rules -> $(UDEVRULESDIR)
#                    snndev.sysusers -> $(SYSUSERSDIR)/snndev.conf
#   uninstall-udev   removes them
#
# Installing into the running system (no DESTDIR) does not reload udev or
# create the group; the target says what to run.

.PHONY: install-udev uninstall-udev

install-udev:
	install -d $(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 0644 udev/60-snndev.rules $(DESTDIR)$(UDEVRULESDIR)/60-snndev.rules
	install -m 0644 udev/snndev.sysusers $(DESTDIR)$(SYSUSERSDIR)/snndev.conf
	@if [ -z "$(DESTDIR)" ]; then \
		echo "udev rules installed; to apply them now:"; \
		echo "  systemd-sysusers $(SYSUSERSDIR)/snndev.conf   (or: groupadd --system snn)"; \
		echo "  udevadm control --reload && udevadm trigger --subsystem-match=snn"; \
	fi

uninstall-udev:
	rm -f $(DESTDIR)$(UDEVRULESDIR)/60-snndev.rules \
		$(DESTDIR)$(SYSUSERSDIR)/snndev.conf

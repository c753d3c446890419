# Build and install Stateless for packaging:
#   make                                   release build and the man pages
#   make install PREFIX=/usr DESTDIR=/tmp/pkg
# installs
#   $(BINDIR)/stateless, $(BINDIR)/mkstateless          (stripped)
#   $(DATADIR)/stateless/Initramfs/                     the image defaults (rwtab, module profiles)
#   $(DRACUTMODULESDIR)/90stateless/                    the dracut module (finds the two above)
#   $(SYSTEMDUNITDIR)/stateless-update.{service,timer}  a cached client's background sync
#   $(MANDIR)/man8/stateless.8, man1/mkstateless.1, man7/stateless.cmdline.7,
#   man5/rwtab.5, man5/statetab.5, man7/stateless-handoff.7
# The dracut module goes where dracut reads modules whatever PREFIX is (dracut's own
# pkg-config variable when it is installed, else /usr/lib/dracut/modules.d).

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DRACUTMODULESDIR ?= $(shell pkg-config --variable=dracutmodulesdir dracut 2>/dev/null || echo /usr/lib/dracut/modules.d)
SYSTEMDUNITDIR ?= $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /usr/lib/systemd/system)
SWIFT ?= swift
BUILD := .build/release
MAN := .build/man
INSTALL ?= install
STRIP ?= strip

all: build man

build:
	$(SWIFT) build -c release

# The man pages (man/render says where each comes from). stateless(8), mkstateless(1) and
# stateless.cmdline(7) need the release build; the other three are made from man/ alone.
MANPAGES := man8/stateless.8 man1/mkstateless.1 man7/stateless.cmdline.7 \
  man5/rwtab.5 man5/statetab.5 man7/stateless-handoff.7

man: build
	mkdir -p $(MAN)
	for page in $(MANPAGES); do \
	  name=$${page#*/}; name=$${name%.*}; \
	  man/render $$name $(BUILD) > $(MAN)/$${page#*/}.new && mv $(MAN)/$${page#*/}.new $(MAN)/$${page#*/} || exit 1; \
	done

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8 \
	  $(DESTDIR)$(DATADIR)/stateless $(DESTDIR)$(DRACUTMODULESDIR)/90stateless $(DESTDIR)$(SYSTEMDUNITDIR)
	$(INSTALL) -m 0755 $(BUILD)/stateless $(BUILD)/mkstateless $(DESTDIR)$(BINDIR)/
	$(STRIP) $(DESTDIR)$(BINDIR)/stateless $(DESTDIR)$(BINDIR)/mkstateless
	cp -R Initramfs $(DESTDIR)$(DATADIR)/stateless/
	chmod -R u=rwX,go=rX $(DESTDIR)$(DATADIR)/stateless/Initramfs
	for f in Dracut/90stateless/*; do \
	  out=$(DESTDIR)$(DRACUTMODULESDIR)/90stateless/$${f##*/}; \
	  sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' "$$f" > "$$out" || exit 1; \
	  case $$f in *.sh) chmod 0755 "$$out" ;; *) chmod 0644 "$$out" ;; esac; \
	done
	for f in systemd/*; do \
	  sed -e 's|@BINDIR@|$(BINDIR)|g' "$$f" > $(DESTDIR)$(SYSTEMDUNITDIR)/$${f##*/} && chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$${f##*/} || exit 1; \
	done
	for page in $(MANPAGES); do \
	  $(INSTALL) -m 0644 $(MAN)/$${page#*/} $(DESTDIR)$(MANDIR)/$$page || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/stateless $(DESTDIR)$(BINDIR)/mkstateless \
	  $(DESTDIR)$(SYSTEMDUNITDIR)/stateless-update.service $(DESTDIR)$(SYSTEMDUNITDIR)/stateless-update.timer \
	  $(addprefix $(DESTDIR)$(MANDIR)/,$(MANPAGES))
	rm -rf $(DESTDIR)$(DATADIR)/stateless $(DESTDIR)$(DRACUTMODULESDIR)/90stateless

.PHONY: all build man install uninstall

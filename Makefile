# Build and install Stateless for packaging:
#   make                                   release build and the man pages
#   make install PREFIX=/usr DESTDIR=/tmp/pkg
# installs
#   $(BINDIR)/stateless, $(BINDIR)/mkstateless          (stripped)
#   $(DATADIR)/stateless/Initramfs/                     the image defaults (rwtab, module profiles)
#   $(DRACUTMODULESDIR)/90stateless/                    the dracut module (finds the two above)
#   $(MANDIR)/man8/stateless.8, man1/mkstateless.1
# The dracut module goes where dracut reads modules whatever PREFIX is (dracut's own
# pkg-config variable when it is installed, else /usr/lib/dracut/modules.d).

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DRACUTMODULESDIR ?= $(shell pkg-config --variable=dracutmodulesdir dracut 2>/dev/null || echo /usr/lib/dracut/modules.d)
SWIFT ?= swift
BUILD := .build/release
MAN := .build/man
INSTALL ?= install
STRIP ?= strip

all: build man

build:
	$(SWIFT) build -c release

man: build
	mkdir -p $(MAN)
	man/render stateless $(BUILD) > $(MAN)/stateless.8
	man/render mkstateless $(BUILD) > $(MAN)/mkstateless.1

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 \
	  $(DESTDIR)$(DATADIR)/stateless $(DESTDIR)$(DRACUTMODULESDIR)/90stateless
	$(INSTALL) -m 0755 $(BUILD)/stateless $(BUILD)/mkstateless $(DESTDIR)$(BINDIR)/
	$(STRIP) $(DESTDIR)$(BINDIR)/stateless $(DESTDIR)$(BINDIR)/mkstateless
	cp -R Initramfs $(DESTDIR)$(DATADIR)/stateless/
	chmod -R u=rwX,go=rX $(DESTDIR)$(DATADIR)/stateless/Initramfs
	for f in Dracut/90stateless/*; do \
	  out=$(DESTDIR)$(DRACUTMODULESDIR)/90stateless/$${f##*/}; \
	  sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' "$$f" > "$$out" || exit 1; \
	  case $$f in *.sh) chmod 0755 "$$out" ;; *) chmod 0644 "$$out" ;; esac; \
	done
	$(INSTALL) -m 0644 $(MAN)/stateless.8 $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 0644 $(MAN)/mkstateless.1 $(DESTDIR)$(MANDIR)/man1/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/stateless $(DESTDIR)$(BINDIR)/mkstateless \
	  $(DESTDIR)$(MANDIR)/man8/stateless.8 $(DESTDIR)$(MANDIR)/man1/mkstateless.1
	rm -rf $(DESTDIR)$(DATADIR)/stateless $(DESTDIR)$(DRACUTMODULESDIR)/90stateless

.PHONY: all build man install uninstall

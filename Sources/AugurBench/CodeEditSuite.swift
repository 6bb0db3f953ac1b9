/// Augur's code-editing prompts: a realistic 40-120 line source file and a requested change, the
/// answer being the whole updated file. Most of the reply repeats the prompt, so prompt lookup
/// (n-gram drafting) should accept long drafts here. Written for Augur; embedded so the binary
/// needs no resource files.
public enum CodeEditSuite {
    /// The prompts, category `code-edit`, ids `edit-<language>`.
    public static let prompts: [BenchPrompt] = files.map { f in
        BenchPrompt(id: "edit-\(f.language)", category: "code-edit", text: """
            Here is the file `\(f.name)`:

            ```\(f.language)
            \(f.source)
            ```

            \(f.request) Reply with the complete updated file in a single code block, changing nothing else.
            """)
    }

    /// (file name, fence language, source, requested change).
    static let files: [(name: String, language: String, source: String, request: String)] = [
        ("inventory.py", "python", python, "Add a method `low_stock(self, threshold)` that returns the names of items whose quantity is below `threshold`, sorted by name, and make `remove` raise `InsufficientStock` (a new exception class) instead of `ValueError`."),
        ("LRUCache.swift", "swift", swift, "Add `hits` and `misses` counters (read-only from outside) that `value(forKey:)` updates, and a `removeAll()` method that empties the cache without resetting the counters."),
        ("todos.js", "javascript", javascript, "Make `GET /todos` support pagination with `limit` (default 20, at most 100) and `offset` (default 0) query parameters, answering 400 with an error message when either is not a non-negative integer."),
        ("config.go", "go", go, "Add a `RequestTimeout time.Duration` field read from `APP_REQUEST_TIMEOUT` (a Go duration string such as `5s`, default 10 seconds), and reject values that are not positive in `Validate`."),
        ("ring_buffer.c", "c", c, "Add a function `size_t rb_peek(const ring_buffer *rb, uint8_t *out, size_t n)` that copies up to `n` of the oldest bytes without removing them, and use it to simplify `rb_read`."),
        ("lexer.rs", "rust", rust, "Add the `%` (remainder) and `^` (power) operators as new `Token` variants, and make the lexer report the column of an unexpected character in its error."),
    ]

    static let python = #"""
    """Inventory of a small shop, stored as CSV."""
    import csv
    from dataclasses import dataclass
    from pathlib import Path


    @dataclass
    class Item:
        name: str
        quantity: int
        unit_price: float

        @property
        def value(self) -> float:
            return self.quantity * self.unit_price


    class Inventory:
        def __init__(self):
            self._items: dict[str, Item] = {}

        def add(self, name: str, quantity: int, unit_price: float) -> None:
            if quantity <= 0:
                raise ValueError(f"quantity must be positive, got {quantity}")
            item = self._items.get(name)
            if item is None:
                self._items[name] = Item(name, quantity, unit_price)
            else:
                item.quantity += quantity
                item.unit_price = unit_price

        def remove(self, name: str, quantity: int) -> None:
            item = self._items.get(name)
            if item is None:
                raise KeyError(name)
            if item.quantity < quantity:
                raise ValueError(f"only {item.quantity} of {name} left")
            item.quantity -= quantity
            if item.quantity == 0:
                del self._items[name]

        def total_value(self) -> float:
            return sum(item.value for item in self._items.values())

        def __len__(self) -> int:
            return len(self._items)

        def __contains__(self, name: str) -> bool:
            return name in self._items

        def save(self, path: Path) -> None:
            with path.open("w", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(["name", "quantity", "unit_price"])
                for item in sorted(self._items.values(), key=lambda i: i.name):
                    writer.writerow([item.name, item.quantity, f"{item.unit_price:.2f}"])

        @classmethod
        def load(cls, path: Path) -> "Inventory":
            inventory = cls()
            with path.open(newline="") as f:
                for row in csv.DictReader(f):
                    inventory.add(row["name"], int(row["quantity"]), float(row["unit_price"]))
            return inventory
    """#

    static let swift = #"""
    /// A fixed-capacity least-recently-used cache.
    public final class LRUCache<Key: Hashable, Value> {
        private final class Node {
            let key: Key
            var value: Value
            var previous: Node?
            var next: Node?

            init(key: Key, value: Value) {
                self.key = key
                self.value = value
            }
        }

        public let capacity: Int
        private var nodes: [Key: Node] = [:]
        private var head: Node?
        private var tail: Node?

        public init(capacity: Int) {
            precondition(capacity > 0, "capacity must be positive")
            self.capacity = capacity
        }

        public var count: Int { nodes.count }

        public func value(forKey key: Key) -> Value? {
            guard let node = nodes[key] else { return nil }
            moveToFront(node)
            return node.value
        }

        public func setValue(_ value: Value, forKey key: Key) {
            if let node = nodes[key] {
                node.value = value
                moveToFront(node)
                return
            }
            let node = Node(key: key, value: value)
            nodes[key] = node
            insertAtFront(node)
            if nodes.count > capacity, let last = tail {
                unlink(last)
                nodes[last.key] = nil
            }
        }

        private func insertAtFront(_ node: Node) {
            node.next = head
            node.previous = nil
            head?.previous = node
            head = node
            if tail == nil { tail = node }
        }

        private func unlink(_ node: Node) {
            node.previous?.next = node.next
            node.next?.previous = node.previous
            if head === node { head = node.next }
            if tail === node { tail = node.previous }
            node.previous = nil
            node.next = nil
        }

        private func moveToFront(_ node: Node) {
            guard head !== node else { return }
            unlink(node)
            insertAtFront(node)
        }
    }
    """#

    static let javascript = #"""
    'use strict';

    const express = require('express');

    function createTodoRouter(store) {
      const router = express.Router();

      router.get('/todos', (req, res) => {
        const todos = store.all();
        res.json({ todos, total: todos.length });
      });

      router.get('/todos/:id', (req, res) => {
        const todo = store.get(req.params.id);
        if (!todo) {
          return res.status(404).json({ error: `no todo with id ${req.params.id}` });
        }
        res.json(todo);
      });

      router.post('/todos', (req, res) => {
        const { title, due } = req.body || {};
        if (typeof title !== 'string' || title.trim() === '') {
          return res.status(400).json({ error: 'title must be a non-empty string' });
        }
        if (due !== undefined && Number.isNaN(Date.parse(due))) {
          return res.status(400).json({ error: 'due must be an ISO 8601 date' });
        }
        const todo = store.create({ title: title.trim(), due: due || null, done: false });
        res.status(201).json(todo);
      });

      router.patch('/todos/:id', (req, res) => {
        const todo = store.get(req.params.id);
        if (!todo) {
          return res.status(404).json({ error: `no todo with id ${req.params.id}` });
        }
        const { title, done } = req.body || {};
        if (title !== undefined) todo.title = String(title).trim();
        if (done !== undefined) todo.done = Boolean(done);
        store.update(todo);
        res.json(todo);
      });

      router.delete('/todos/:id', (req, res) => {
        if (!store.remove(req.params.id)) {
          return res.status(404).json({ error: `no todo with id ${req.params.id}` });
        }
        res.status(204).end();
      });

      return router;
    }

    module.exports = { createTodoRouter };
    """#

    static let go = #"""
    package config

    import (
    	"errors"
    	"fmt"
    	"os"
    	"strconv"
    	"strings"
    )

    // Config holds the service settings read from the environment.
    type Config struct {
    	ListenAddr  string
    	DatabaseURL string
    	MaxConns    int
    	LogLevel    string
    	Debug       bool
    }

    var validLogLevels = map[string]bool{"debug": true, "info": true, "warn": true, "error": true}

    // Load reads the configuration from environment variables, applying defaults.
    func Load() (*Config, error) {
    	cfg := &Config{
    		ListenAddr:  getEnv("APP_LISTEN_ADDR", ":8080"),
    		DatabaseURL: os.Getenv("APP_DATABASE_URL"),
    		LogLevel:    strings.ToLower(getEnv("APP_LOG_LEVEL", "info")),
    	}

    	maxConns, err := strconv.Atoi(getEnv("APP_MAX_CONNS", "10"))
    	if err != nil {
    		return nil, fmt.Errorf("APP_MAX_CONNS: %w", err)
    	}
    	cfg.MaxConns = maxConns

    	debug, err := strconv.ParseBool(getEnv("APP_DEBUG", "false"))
    	if err != nil {
    		return nil, fmt.Errorf("APP_DEBUG: %w", err)
    	}
    	cfg.Debug = debug

    	if err := cfg.Validate(); err != nil {
    		return nil, err
    	}
    	return cfg, nil
    }

    // Validate reports the first invalid setting.
    func (c *Config) Validate() error {
    	if c.DatabaseURL == "" {
    		return errors.New("APP_DATABASE_URL is required")
    	}
    	if c.MaxConns < 1 || c.MaxConns > 1000 {
    		return fmt.Errorf("APP_MAX_CONNS must be between 1 and 1000, got %d", c.MaxConns)
    	}
    	if !validLogLevels[c.LogLevel] {
    		return fmt.Errorf("APP_LOG_LEVEL must be one of debug, info, warn, error; got %q", c.LogLevel)
    	}
    	return nil
    }

    func getEnv(key, fallback string) string {
    	if value, ok := os.LookupEnv(key); ok {
    		return value
    	}
    	return fallback
    }
    """#

    static let c = #"""
    #include <stdint.h>
    #include <stdlib.h>
    #include <string.h>

    /* A byte ring buffer with a power-of-two capacity. */
    typedef struct {
        uint8_t *data;
        size_t capacity; /* power of two */
        size_t head;     /* next write position */
        size_t tail;     /* next read position */
        size_t count;
    } ring_buffer;

    int rb_init(ring_buffer *rb, size_t capacity) {
        if (capacity == 0 || (capacity & (capacity - 1)) != 0) {
            return -1;
        }
        rb->data = malloc(capacity);
        if (rb->data == NULL) {
            return -1;
        }
        rb->capacity = capacity;
        rb->head = 0;
        rb->tail = 0;
        rb->count = 0;
        return 0;
    }

    void rb_free(ring_buffer *rb) {
        free(rb->data);
        rb->data = NULL;
        rb->capacity = rb->head = rb->tail = rb->count = 0;
    }

    size_t rb_space(const ring_buffer *rb) {
        return rb->capacity - rb->count;
    }

    /* Appends up to n bytes; returns how many were written. */
    size_t rb_write(ring_buffer *rb, const uint8_t *src, size_t n) {
        size_t written = 0;
        if (n > rb_space(rb)) {
            n = rb_space(rb);
        }
        while (written < n) {
            size_t chunk = rb->capacity - rb->head;
            if (chunk > n - written) {
                chunk = n - written;
            }
            memcpy(rb->data + rb->head, src + written, chunk);
            rb->head = (rb->head + chunk) & (rb->capacity - 1);
            written += chunk;
        }
        rb->count += written;
        return written;
    }

    /* Removes up to n of the oldest bytes into out; returns how many were read. */
    size_t rb_read(ring_buffer *rb, uint8_t *out, size_t n) {
        size_t done = 0;
        if (n > rb->count) {
            n = rb->count;
        }
        while (done < n) {
            size_t chunk = rb->capacity - rb->tail;
            if (chunk > n - done) {
                chunk = n - done;
            }
            memcpy(out + done, rb->data + rb->tail, chunk);
            rb->tail = (rb->tail + chunk) & (rb->capacity - 1);
            done += chunk;
        }
        rb->count -= done;
        return done;
    }
    """#

    static let rust = #"""
    use std::fmt;

    #[derive(Debug, Clone, PartialEq)]
    pub enum Token {
        Number(f64),
        Ident(String),
        Plus,
        Minus,
        Star,
        Slash,
        LParen,
        RParen,
    }

    #[derive(Debug, PartialEq)]
    pub struct LexError {
        pub found: char,
    }

    impl fmt::Display for LexError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "unexpected character '{}'", self.found)
        }
    }

    pub fn tokenize(input: &str) -> Result<Vec<Token>, LexError> {
        let mut tokens = Vec::new();
        let mut chars = input.chars().peekable();
        while let Some(&c) = chars.peek() {
            match c {
                ' ' | '\t' | '\n' => {
                    chars.next();
                }
                '0'..='9' | '.' => {
                    let mut text = String::new();
                    while let Some(&d) = chars.peek() {
                        if d.is_ascii_digit() || d == '.' {
                            text.push(d);
                            chars.next();
                        } else {
                            break;
                        }
                    }
                    let value = text.parse::<f64>().map_err(|_| LexError { found: c })?;
                    tokens.push(Token::Number(value));
                }
                'a'..='z' | 'A'..='Z' | '_' => {
                    let mut name = String::new();
                    while let Some(&d) = chars.peek() {
                        if d.is_ascii_alphanumeric() || d == '_' {
                            name.push(d);
                            chars.next();
                        } else {
                            break;
                        }
                    }
                    tokens.push(Token::Ident(name));
                }
                '+' => { chars.next(); tokens.push(Token::Plus); }
                '-' => { chars.next(); tokens.push(Token::Minus); }
                '*' => { chars.next(); tokens.push(Token::Star); }
                '/' => { chars.next(); tokens.push(Token::Slash); }
                '(' => { chars.next(); tokens.push(Token::LParen); }
                ')' => { chars.next(); tokens.push(Token::RParen); }
                other => return Err(LexError { found: other }),
            }
        }
        Ok(tokens)
    }
    """#
}

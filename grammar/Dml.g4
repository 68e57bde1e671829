// The .dml grammar. ANTLR builds a parse tree from it; compiler/syntax turns
// that tree into the typed AST (compiler/ast/ast.h) and replaces ANTLR's error
// messages with its own. Generated code lives only in the build tree.
//
// Design notes:
// - Newlines are whitespace here. Fields (and declarations) must still be
//   separated by a newline or a comma: the AST builder checks that, so the
//   grammar stays small and recovery stays simple.
// - `expr` is a rule with labelled alternatives: operators (`1 + workers`,
//   `flavor.vcpus * 2`) are left-recursive alternatives, tightest first.
// - Every number-like word is one NUMBER token (`42`, `1e-3`, `90s`, `4GiB`,
//   `10.8.1.250`, `10.8.1.0/24`); compiler/syntax/literal.cc classifies and
//   checks it, so a malformed literal gets one precise message.
// - `${name}` inside a string is interpolation; literal.cc splits it out.
grammar Dml;

// ---------------------------------------------------------------- parser

module_ : decl* EOF ;

decl
  : importDecl
  | paramDecl
  | letDecl
  | typeDecl
  | enumDecl
  | clusterDecl
  | jobDecl
  ;

importDecl  : IMPORT dottedName (AS IDENT)? ;
paramDecl   : PARAM IDENT COLON typeRef (EQ expr)? constraint? ;
letDecl     : LET IDENT EQ expr ;
clusterDecl : CLUSTER IDENT block ;
jobDecl     : JOB IDENT ON IDENT block ;

// `type flavor { name: string, vcpus: int in 1.., disk: size? }`
typeDecl  : TYPE IDENT LBRACE (fieldDecl COMMA?)* RBRACE ;
fieldDecl : fieldName COLON typeRef (EQ expr)? constraint? ;

// `enum activation { relu, tanh, sigmoid }`
enumDecl   : ENUM IDENT LBRACE (enumMember COMMA?)* RBRACE ;
enumMember : IDENT ;

// `int`, `flavor`, `[int]` (a list), `string?` (may be left out).
typeRef : (IDENT | LBRACK IDENT RBRACK) QUESTION? ;

// `in 0..254`, `in 0..<1` (below 1), `in 0<..` (above 0), `in 1..` (at
// least 1). An upper bound must be on the same line, so that `in 1..` may
// end a field declaration before the next field's name.
constraint : IN range ;
range
  : low=expr? op=(DOTDOT | DOTDOTLT | LTDOTDOT | LTDOTDOTLT)
    ({_input->LT(1)->getLine() == _input->LT(-1)->getLine()}? high=expr)?
  ;

dottedName : IDENT (DOT IDENT)* ;

// `{ name = value, nested { ... }, group gpu { ... } }`: a cluster or job
// body, a nested block, a labelled block, or a record value.
block : LBRACE (field COMMA?)* RBRACE ;

// The labelled form is its own alternative, and its label is on the field
// name's line, so that a missing `=` (`epochs 10` then `ip = ...`, or
// `epochs` then `seed = 1`) never takes the next field's name for a label.
field
  : {_input->LT(1)->getLine() == _input->LT(2)->getLine()}? fieldName label=IDENT block
  | fieldName (EQ expr | block)
  ;

// A keyword may name a field (`timeouts { job = 2h }`) only when `=`, `{` or
// (in a type) `:` follows, so that a declaration after a missing `}` is still
// seen as one.
fieldName
  : IDENT
  | {_input->LA(2) == DmlParser::EQ || _input->LA(2) == DmlParser::LBRACE ||
     _input->LA(2) == DmlParser::COLON}? keyword
  ;

keyword : IMPORT | AS | PARAM | LET | CLUSTER | JOB | ON | TRUE | FALSE | TYPE | ENUM | IN ;

// Earlier alternatives bind tighter: `*` and `/` before `+` and `-`.
expr
  : expr op=(STAR | SLASH) expr          # mulExpr
  | expr op=(PLUS | MINUS) expr          # addExpr
  | literal                              # literalExpr
  | IDENT block                          # typedRecordExpr
  | block                                # recordExpr
  | IDENT (DOT memberName)*              # referenceExpr
  | LBRACK (expr (COMMA expr)* COMMA?)? RBRACK  # listExpr
  | LPAREN expr RPAREN                   # parenExpr
  ;

memberName : IDENT | keyword ;

literal
  : MINUS? NUMBER
  | STRING
  | UNTERMINATED_STRING
  | TRUE
  | FALSE
  ;

// ---------------------------------------------------------------- lexer

IMPORT  : 'import' ;
AS      : 'as' ;
PARAM   : 'param' ;
LET     : 'let' ;
CLUSTER : 'cluster' ;
JOB     : 'job' ;
ON      : 'on' ;
TRUE    : 'true' ;
FALSE   : 'false' ;
TYPE    : 'type' ;
ENUM    : 'enum' ;
IN      : 'in' ;

LBRACE : '{' ;
RBRACE : '}' ;
LBRACK : '[' ;
RBRACK : ']' ;
LPAREN : '(' ;
RPAREN : ')' ;
EQ     : '=' ;
COLON  : ':' ;
COMMA  : ',' ;
DOT    : '.' ;
PLUS   : '+' ;
MINUS  : '-' ;
STAR   : '*' ;
SLASH  : '/' ;
QUESTION : '?' ;
// Range operators of constraints; `<` marks an excluded end.
DOTDOT     : '..' ;
DOTDOTLT   : '..<' ;
LTDOTDOT   : '<..' ;
LTDOTDOTLT : '<..<' ;

// Digits, then optional `.digits` groups, exponent and unit letters; a
// `/prefix` only after a dotted number (a CIDR), so that `64/2` divides.
// `0..254` lexes as `0`, `..`, `254`.
NUMBER
  : DIGITS ('.' DIGITS)* ([eE] [+-]? DIGITS)? [a-zA-Z_]*
  | DIGITS ('.' DIGITS)+ ([eE] [+-]? DIGITS)? '/' DIGITS [a-zA-Z_]*
  ;

IDENT : [a-zA-Z_] [a-zA-Z0-9_]* ;

STRING : '"' STRING_CHAR* '"' ;
// Longest match picks STRING whenever the closing quote is on the line.
UNTERMINATED_STRING : '"' STRING_CHAR* '\\'? ;

LINE_COMMENT  : '//' ~[\r\n]* -> channel(HIDDEN) ;
BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN) ;
// Cannot contain `*/`, so it only wins when the comment never closes.
UNTERMINATED_COMMENT : '/*' (~'*' | '*'+ ~[*/])* '*'* EOF -> channel(HIDDEN) ;

// Not a comment in .dml, but common elsewhere: one clear message instead of
// errors for every word after it.
HASH_COMMENT : '#' ~[\r\n]* -> channel(HIDDEN) ;

WS : [ \t\r\n\f]+ -> skip ;

// Anything else: kept on the hidden channel so the lexer never reports an
// error itself; compiler/syntax reports these characters in its own words.
ERROR_CHAR : . -> channel(HIDDEN) ;

fragment DIGITS : [0-9]+ ;
fragment STRING_CHAR : ~["\\\r\n] | '\\' ~[\r\n] ;
